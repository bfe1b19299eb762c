package io.easyfaas.api.invoke;

/**
 * The outcome of running a handler once.
 *
 * @param payload the handler's result as JSON, or, for a function error, the error document
 *     {@code {"errorMessage","errorType","stackTrace"}}
 * @param errorType {@code null} on success; otherwise the error's type, e.g.
 *     {@code Runtime.ImportModuleError}
 * @param durationNanos time the runtime spent on the call
 * @param log the call's log as text: {@code START RequestId: ...}, the lines the handler wrote
 *     ({@code <ISO time>\t<request id>\t<line>}), {@code END ...} and {@code REPORT ...}; its
 *     tail only when it is long. Empty when the engine kept none (e.g. the call never reached a
 *     runtime); never {@code null}.
 */
public record InvocationResult(byte[] payload, String errorType, long durationNanos, String log) {

    public InvocationResult {
        log = log == null ? "" : log;
    }

    /** A result without a log. */
    public InvocationResult(byte[] payload, String errorType, long durationNanos) {
        this(payload, errorType, durationNanos, "");
    }

    public boolean isFunctionError() {
        return errorType != null;
    }

    /** This result with {@code log} as its log. */
    public InvocationResult withLog(String log) {
        return new InvocationResult(payload, errorType, durationNanos, log);
    }
}
