package io.easyfaas.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.easyfaas.api.FaasException;

class InvocationLogsTest {

    @Test
    void tailIsTheLastFourKibibytesStartingAtAWholeCharacter() {
        String log = "START\n" + "é".repeat(3000) + "\nREPORT";
        String tail = new String(InvocationLogs.tail(log), StandardCharsets.UTF_8);
        assertEquals(InvocationLogs.TAIL_BYTES - 1, tail.getBytes(StandardCharsets.UTF_8).length, "one byte of a split é dropped");
        assertEquals(true, tail.endsWith("é\nREPORT"));
        assertEquals('é', tail.charAt(0));
        assertEquals("short", new String(InvocationLogs.tail("short"), StandardCharsets.UTF_8));
    }

    @Test
    void logTimesAreEpochMillisOrIsoAndAnythingElseIsA400() {
        assertEquals(Instant.ofEpochMilli(1_700_000_000_123L), FunctionLogRequests.time("1700000000123", "since"));
        assertEquals(Instant.parse("2026-01-31T12:00:00Z"), FunctionLogRequests.time("2026-01-31T12:00:00Z", "since"));
        assertEquals(Instant.parse("2026-01-31T10:00:00.000001Z"), FunctionLogRequests.time("2026-01-31T12:00:00.000001+02:00", "until"));
        FaasException bad = assertThrows(FaasException.class, () -> FunctionLogRequests.time("yesterday", "since"));
        assertEquals(400, bad.errorCode().status());
    }
}
