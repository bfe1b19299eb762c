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
 */
public record PoolMetrics(
        List<CallCount> calls,
        List<DurationHistogram> durations,
        long stemCellWarmups,
        long fullColdStarts,
        Map<String, Integer> queueDepth,
        Map<String, Integer> sandboxesByState) {

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
