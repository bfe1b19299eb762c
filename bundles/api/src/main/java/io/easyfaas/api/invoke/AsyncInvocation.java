package io.easyfaas.api.invoke;

/**
 * What the engine knows of one event invocation.
 *
 * @param status {@link #QUEUED}, {@link #RUNNING}, {@link #SUCCEEDED} or {@link #FAILED}
 * @param attempts runs started so far (the first run and its retries)
 * @param submittedEpochMillis when the call was accepted
 * @param finishedEpochMillis when it succeeded or failed for good; 0 before
 * @param result the handler's result or error document as JSON, once there is one
 * @param errorType the last failure's type ({@code null} on success), e.g. {@code TypeError}
 *     or {@code TooManyRequestsException}
 */
public record AsyncInvocation(
        String requestId,
        String functionName,
        String status,
        int attempts,
        long submittedEpochMillis,
        long finishedEpochMillis,
        byte[] result,
        String errorType) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    public boolean isFinished() {
        return SUCCEEDED.equals(status) || FAILED.equals(status);
    }
}
