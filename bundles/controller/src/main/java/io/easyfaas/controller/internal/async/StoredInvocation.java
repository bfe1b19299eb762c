package io.easyfaas.controller.internal.async;

import io.easyfaas.api.invoke.AsyncInvocation;

/**
 * One event invocation as it is kept on disk: everything needed to run it again after a
 * restart, and its outcome once there is one. Immutable: each change is a new file version.
 */
record StoredInvocation(
        String requestId,
        String functionName,
        String qualifier,
        byte[] event,
        String status,
        int attempts,
        long submittedEpochMillis,
        long finishedEpochMillis,
        byte[] result,
        String errorType) {

    StoredInvocation withStatus(String newStatus, int newAttempts) {
        return new StoredInvocation(requestId, functionName, qualifier, event, newStatus, newAttempts, submittedEpochMillis,
                finishedEpochMillis, result, errorType);
    }

    /** The outcome of the last attempt; the event is dropped once the call is finished for good. */
    StoredInvocation withOutcome(String newStatus, byte[] newResult, String newErrorType, long now) {
        boolean finished = !AsyncInvocation.QUEUED.equals(newStatus);
        return new StoredInvocation(requestId, functionName, qualifier, finished ? null : event, newStatus, attempts,
                submittedEpochMillis, finished ? now : 0, newResult, newErrorType);
    }

    AsyncInvocation toApi() {
        return new AsyncInvocation(requestId, functionName, status, attempts, submittedEpochMillis, finishedEpochMillis,
                result, errorType);
    }
}
