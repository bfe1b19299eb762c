package io.easyfaas.api.invoke;

/**
 * The outcome of running a handler once.
 *
 * @param payload the handler's result as JSON, or, for a function error, the error document
 *     {@code {"errorMessage","errorType","stackTrace"}}
 * @param errorType {@code null} on success; otherwise the error's type, e.g.
 *     {@code Runtime.ImportModuleError}
 * @param durationNanos time the runtime spent on the call
 */
public record InvocationResult(byte[] payload, String errorType, long durationNanos) {

    public boolean isFunctionError() {
        return errorType != null;
    }
}
