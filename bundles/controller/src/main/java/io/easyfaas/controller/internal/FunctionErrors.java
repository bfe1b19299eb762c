package io.easyfaas.controller.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.sandbox.SandboxExitedException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The function errors the engine itself reports, in the runtimes' error document shape. */
public final class FunctionErrors {
    private static final Logger LOG = LoggerFactory.getLogger(FunctionErrors.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FunctionErrors() {
    }

    static final String TIMED_OUT = "Sandbox.Timedout";

    static InvocationResult timedOut(String requestId, int timeoutSeconds, long durationNanos) {
        return error(TIMED_OUT,
                String.format(Locale.ROOT, "%s Task timed out after %.2f seconds", requestId, (double) timeoutSeconds),
                durationNanos);
    }

    static InvocationResult runtimeExited(String requestId, SandboxExitedException exit, long durationNanos) {
        return error(exit.errorType(), "RequestId: " + requestId + " Error: " + exit.getMessage(), durationNanos);
    }

    /**
     * The answer to a call whose runtime failed under it: {@code Runtime.ExitError} if the
     * runtime died; a {@link FaasException} is rethrown, anything else becomes a 500.
     */
    static InvocationResult fromFailure(String requestId, Throwable failure, long startedNanos) {
        Throwable cause = cause(failure);
        if (cause instanceof FaasException faas) {
            throw faas;
        }
        if (!(cause instanceof SandboxExitedException exit)) {
            LOG.error("Call {} failed inside the engine", requestId, cause);
            throw new FaasException(ErrorCode.SERVICE, "The engine failed to run the call: " + cause.getMessage(), cause);
        }
        return runtimeExited(requestId, exit, System.nanoTime() - startedNanos);
    }

    /** What a stage failed with, unwrapped from the {@link CompletionException} that carries it through a chain. */
    public static Throwable cause(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
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
