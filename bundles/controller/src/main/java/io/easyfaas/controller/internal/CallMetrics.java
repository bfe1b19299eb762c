package io.easyfaas.controller.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

import io.easyfaas.api.pool.PoolMetrics;

/** Counters of calls, cold starts and retired sandboxes; lock-free, since every call records into them. */
final class CallMetrics {
    /** Upper bounds of the duration buckets, in seconds: from a warm no-op call to a long handler. */
    private static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    enum Outcome {
        SUCCESS, ERROR, TIMEOUT, THROTTLED, FAILED
    }

    /** Why a sandbox left the pool; see {@link PoolMetrics#sandboxesRetired()}. */
    enum Retirement {
        IDLE, OUTDATED, EVICTED, SURPLUS, TIMED_OUT, FAILED, DIED, UNRESPONSIVE
    }

    private static final class FunctionCounters {
        final LongAdder[] outcomes = new LongAdder[Outcome.values().length];
        final LongAdder[] buckets = new LongAdder[BUCKETS.length];
        final LongAdder count = new LongAdder();
        final DoubleAdder sumSeconds = new DoubleAdder();

        FunctionCounters() {
            for (int i = 0; i < outcomes.length; i++) {
                outcomes[i] = new LongAdder();
            }
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }
    }

    private final Map<String, FunctionCounters> functions = new ConcurrentHashMap<>();
    private final LongAdder stemCellWarmups = new LongAdder();
    private final LongAdder fullColdStarts = new LongAdder();
    private final LongAdder[] retired = new LongAdder[Retirement.values().length];

    CallMetrics() {
        for (int i = 0; i < retired.length; i++) {
            retired[i] = new LongAdder();
        }
    }

    void record(String functionName, Outcome outcome, long durationNanos) {
        FunctionCounters counters = functions.computeIfAbsent(functionName, n -> new FunctionCounters());
        counters.outcomes[outcome.ordinal()].increment();
        double seconds = durationNanos / 1e9;
        counters.count.increment();
        counters.sumSeconds.add(seconds);
        for (int i = 0; i < BUCKETS.length; i++) {
            if (seconds <= BUCKETS[i]) {
                counters.buckets[i].increment();
                break;
            }
        }
    }

    void coldStart(boolean fromStemCell) {
        (fromStemCell ? stemCellWarmups : fullColdStarts).increment();
    }

    void retired(Retirement reason) {
        retired[reason.ordinal()].increment();
    }

    PoolMetrics snapshot(Map<String, Integer> queueDepth, Map<String, Integer> sandboxesByState) {
        List<PoolMetrics.CallCount> calls = new ArrayList<>();
        List<PoolMetrics.DurationHistogram> durations = new ArrayList<>();
        new TreeMap<>(functions).forEach((name, counters) -> {
            for (Outcome outcome : Outcome.values()) {
                long count = counters.outcomes[outcome.ordinal()].sum();
                if (count > 0) {
                    calls.add(new PoolMetrics.CallCount(name, label(outcome), count));
                }
            }
            long[] cumulative = new long[BUCKETS.length];
            long running = 0;
            for (int i = 0; i < BUCKETS.length; i++) {
                running += counters.buckets[i].sum();
                cumulative[i] = running;
            }
            durations.add(new PoolMetrics.DurationHistogram(name, BUCKETS.clone(), cumulative,
                    counters.count.sum(), counters.sumSeconds.sum()));
        });
        Map<String, Long> retiredByReason = new LinkedHashMap<>();
        for (Retirement reason : Retirement.values()) {
            retiredByReason.put(label(reason), retired[reason.ordinal()].sum());
        }
        return new PoolMetrics(calls, durations, stemCellWarmups.sum(), fullColdStarts.sum(), queueDepth, sandboxesByState,
                retiredByReason);
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
