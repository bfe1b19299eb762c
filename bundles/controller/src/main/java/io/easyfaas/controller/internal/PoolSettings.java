package io.easyfaas.controller.internal;

import java.util.concurrent.TimeUnit;

/**
 * The pool's limits as one immutable value, so a configuration change swaps them at once.
 *
 * @param maxSandboxes sandboxes alive on the node, stem cells included
 * @param memoryCapacityMb the sum of live sandboxes' memory sizes may not pass this
 * @param stemCellsPerRuntime generic sandboxes kept ready per installed runtime
 * @param stemCellMemoryMb what a stem cell counts against the capacity before it is specialised
 * @param sandboxConcurrency calls one sandbox runs at once for functions without a PodConcurrentQuota
 * @param maxSandboxesPerFunction sandboxes of one function revision
 * @param queueSize calls of one function that may wait for a sandbox
 * @param queueMaxWaitMillis how long a call waits before it gets 429
 * @param idleTimeoutNanos idle time after which a warm sandbox is destroyed
 * @param healthCheckIntervalNanos idle time after which a sandbox's runtime is asked whether it still
 *     answers; 0 for no health checks
 * @param healthCheckTimeoutMillis how long it has to answer
 */
record PoolSettings(int maxSandboxes, long memoryCapacityMb, int stemCellsPerRuntime, int stemCellMemoryMb,
        int sandboxConcurrency, int maxSandboxesPerFunction, int queueSize, long queueMaxWaitMillis,
        long idleTimeoutNanos, long healthCheckIntervalNanos, long healthCheckTimeoutMillis) {

    static PoolSettings of(PoolingInvoker.Config config, long physicalMemoryMb) {
        long capacity = config.memory_capacity_mb() > 0 ? config.memory_capacity_mb() : physicalMemoryMb * 8 / 10;
        return new PoolSettings(Math.max(1, config.max_sandboxes()), capacity, Math.max(0, config.stem_cells_per_runtime()),
                Math.max(1, config.stem_cell_memory_mb()), Math.max(1, config.sandbox_concurrent_quota()),
                Math.max(1, config.max_sandboxes_per_function()), Math.max(0, config.queue_size()),
                Math.max(0, config.queue_max_wait_millis()), TimeUnit.SECONDS.toNanos(config.idle_timeout_seconds()),
                TimeUnit.SECONDS.toNanos(Math.max(0, config.health_check_interval_seconds())),
                Math.max(1, config.health_check_timeout_millis()));
    }
}
