package io.easyfaas.api.pool;

import java.util.List;
import java.util.Map;

/**
 * The controller's counters, as cumulative totals.
 *
 * @param calls completed calls by function and outcome
 * @param durations call durations by function
 * @param stemCellWarmups first calls served by specialising a ready stem cell
 * @param fullColdStarts first calls that had to start a runtime
 * @param queueDepth calls waiting for a sandbox, by function
 * @param sandboxesByState sandboxes by {@link SandboxStatus#state()}
 * @param sandboxesRetired sandboxes taken out of the pool and destroyed, by reason: {@code idle}
 *     (cooldown), {@code outdated} (new code or configuration, or their runtime removed or
 *     replaced), {@code evicted} (room for another function), {@code surplus} (stem cells over
 *     the configured number), {@code timed_out} (a call or a load ran past the function's
 *     timeout and the runtime was stopped), {@code failed} (a function that did not load, or a
 *     call the engine could not finish), {@code died} (the runtime exited) or {@code unresponsive}
 *     (it did not answer a health check)
 */
public record PoolMetrics(
        List<CallCount> calls,
        List<DurationHistogram> durations,
        long stemCellWarmups,
        long fullColdStarts,
        Map<String, Integer> queueDepth,
        Map<String, Integer> sandboxesByState,
        Map<String, Long> sandboxesRetired) {

    /**
     * @param outcome {@code success}, {@code error} (the function failed), {@code timeout},
     *     {@code throttled} (429) or {@code failed} (the engine could not run it)
     */
    public record CallCount(String functionName, String outcome, long count) {
    }

    /**
     * @param bucketUpperSeconds the buckets' upper bounds, ascending
     * @param cumulativeCounts calls that took at most each bound, as Prometheus counts them
     */
    public record DurationHistogram(String functionName, double[] bucketUpperSeconds, long[] cumulativeCounts,
            long count, double sumSeconds) {
    }
}
