package io.easyfaas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import io.easyfaas.api.pool.PoolMetrics;

import org.junit.jupiter.api.Test;

/** The Prometheus text that /metrics answers, as a scraper parses it. */
class PoolHandlersTest {

    @Test
    void everyFamilyHasItsTypeAndSamplesCarryEscapedLabels() {
        PoolMetrics metrics = new PoolMetrics(
                List.of(new PoolMetrics.CallCount("say\"hi\\", "success", 3)),
                List.of(new PoolMetrics.DurationHistogram("f", new double[] {0.001, 0.5}, new long[] {1, 2}, 3, 1.25)),
                4, 5, Map.of("f", 2), Map.of("warm", 1), Map.of("unresponsive", 6L));

        String text = PoolHandlers.prometheus(metrics);

        assertTrue(text.contains("# TYPE easyfaas_invocations_total counter\n"), text);
        assertTrue(text.contains("easyfaas_invocations_total{function=\"say\\\"hi\\\\\",outcome=\"success\"} 3\n"), text);
        assertTrue(text.contains("# TYPE easyfaas_invocation_duration_seconds histogram\n"), text);
        assertTrue(text.contains("easyfaas_invocation_duration_seconds_bucket{function=\"f\",le=\"0.001\"} 1\n"), text);
        assertTrue(text.contains("easyfaas_invocation_duration_seconds_bucket{function=\"f\",le=\"0.5\"} 2\n"), text);
        assertTrue(text.contains("easyfaas_invocation_duration_seconds_bucket{function=\"f\",le=\"+Inf\"} 3\n"), text);
        assertTrue(text.contains("easyfaas_invocation_duration_seconds_sum{function=\"f\"} 1.25\n"), text);
        assertTrue(text.contains("easyfaas_invocation_duration_seconds_count{function=\"f\"} 3\n"), text);
        assertTrue(text.contains("easyfaas_cold_starts_total{kind=\"stem_cell\"} 4\n"), text);
        assertTrue(text.contains("easyfaas_cold_starts_total{kind=\"full\"} 5\n"), text);
        assertTrue(text.contains("easyfaas_queue_depth{function=\"f\"} 2\n"), text);
        assertTrue(text.contains("easyfaas_sandboxes{state=\"warm\"} 1\n"), text);
        assertTrue(text.contains("# TYPE easyfaas_sandboxes_retired_total counter\n"), text);
        assertTrue(text.contains("easyfaas_sandboxes_retired_total{reason=\"unresponsive\"} 6\n"), text);
        assertEquals(6, text.lines().filter(line -> line.startsWith("# TYPE ")).count());
        assertTrue(text.endsWith("\n"));
    }
}
