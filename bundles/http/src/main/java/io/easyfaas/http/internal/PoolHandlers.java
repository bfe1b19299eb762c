package io.easyfaas.http.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.easyfaas.api.pool.PoolMetrics;
import io.easyfaas.api.pool.PoolStatus;
import io.undertow.server.HttpServerExchange;

/** {@code GET /v1/runtimes} (every sandbox and its state) and {@code GET /metrics} (Prometheus text). */
final class PoolHandlers {
    static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PoolStatus pool;
    private final Exchanges exchanges;

    PoolHandlers(PoolStatus pool, Exchanges exchanges) {
        this.pool = pool;
        this.exchanges = exchanges;
    }

    void runtimes(HttpServerExchange exchange) {
        exchanges.sendJson(exchange, 200, Map.of("Sandboxes", pool.sandboxes()));
    }

    void metrics(HttpServerExchange exchange) {
        Exchanges.send(exchange, 200, PROMETHEUS_TYPE, prometheus(pool.metrics()).getBytes(StandardCharsets.UTF_8));
    }

    /** The text exposition format: a HELP and TYPE line per family, then its samples. */
    static String prometheus(PoolMetrics metrics) {
        StringBuilder text = new StringBuilder(4096);
        family(text, "easyfaas_invocations_total", "counter", "Calls by function and outcome (success, error, timeout, throttled, failed)");
        for (PoolMetrics.CallCount calls : metrics.calls()) {
            sample(text, "easyfaas_invocations_total", "function", calls.functionName(), "outcome", calls.outcome(), calls.count());
        }
        family(text, "easyfaas_invocation_duration_seconds", "histogram", "Time from accepting a call to its answer, waiting and loading included");
        for (PoolMetrics.DurationHistogram histogram : metrics.durations()) {
            for (int i = 0; i < histogram.bucketUpperSeconds().length; i++) {
                sample(text, "easyfaas_invocation_duration_seconds_bucket", "function", histogram.functionName(),
                        "le", number(histogram.bucketUpperSeconds()[i]), histogram.cumulativeCounts()[i]);
            }
            sample(text, "easyfaas_invocation_duration_seconds_bucket", "function", histogram.functionName(), "le", "+Inf", histogram.count());
            text.append("easyfaas_invocation_duration_seconds_sum{function=\"").append(escape(histogram.functionName())).append("\"} ")
                    .append(number(histogram.sumSeconds())).append('\n');
            sample(text, "easyfaas_invocation_duration_seconds_count", "function", histogram.functionName(), null, null, histogram.count());
        }
        family(text, "easyfaas_cold_starts_total", "counter", "Sandboxes specialised for a call: from a ready stem cell, or by starting a runtime");
        sample(text, "easyfaas_cold_starts_total", "kind", "stem_cell", null, null, metrics.stemCellWarmups());
        sample(text, "easyfaas_cold_starts_total", "kind", "full", null, null, metrics.fullColdStarts());
        family(text, "easyfaas_sandboxes_retired_total", "counter",
                "Sandboxes taken out of the pool, by reason (idle, outdated, evicted, surplus, timed_out, failed, died, unresponsive)");
        metrics.sandboxesRetired().forEach((reason, count) -> sample(text, "easyfaas_sandboxes_retired_total", "reason", reason, null, null, count));
        family(text, "easyfaas_queue_depth", "gauge", "Calls waiting for a sandbox, by function");
        metrics.queueDepth().forEach((function, depth) -> sample(text, "easyfaas_queue_depth", "function", function, null, null, depth));
        family(text, "easyfaas_sandboxes", "gauge", "Sandboxes by state (stem, warming, warm, busy, cooling, dead)");
        metrics.sandboxesByState().forEach((state, count) -> sample(text, "easyfaas_sandboxes", "state", state, null, null, count));
        return text.toString();
    }

    private static void family(StringBuilder text, String name, String type, String help) {
        text.append("# HELP ").append(name).append(' ').append(help).append('\n');
        text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder text, String name, String label, String value, String label2, String value2, long count) {
        text.append(name).append('{').append(label).append("=\"").append(escape(value)).append('"');
        if (label2 != null) {
            text.append(',').append(label2).append("=\"").append(escape(value2)).append('"');
        }
        text.append("} ").append(count).append('\n');
    }

    private static String number(double value) {
        return Double.toString(value);
    }

    private static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
