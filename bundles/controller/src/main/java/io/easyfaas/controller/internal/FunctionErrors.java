package io.easyfaas.controller.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.sandbox.SandboxExitedException;

/** The function errors the engine itself reports, in the runtimes' error document shape. */
final class FunctionErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FunctionErrors() {
    }

    static InvocationResult timedOut(String requestId, int timeoutSeconds, long durationNanos) {
        return error("Sandbox.Timedout",
                String.format(Locale.ROOT, "%s Task timed out after %.2f seconds", requestId, (double) timeoutSeconds),
                durationNanos);
    }

    static InvocationResult runtimeExited(String requestId, SandboxExitedException exit, long durationNanos) {
        return error(exit.errorType(), "RequestId: " + requestId + " Error: " + exit.getMessage(), durationNanos);
    }

    static InvocationResult error(String errorType, String errorMessage, long durationNanos) {
        try {
            byte[] payload = JSON.writeValueAsBytes(Map.of(
                    "errorType", errorType, "errorMessage", errorMessage, "stackTrace", List.of()));
            return new InvocationResult(payload, errorType, durationNanos);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serialises", e);
        }
    }
}
