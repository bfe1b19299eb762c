package io.easyfaas.api.invoke;

import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Event (asynchronous) invocations: a call is written to a durable queue and answered at once;
 * the engine runs it later, retries a failure, and keeps its outcome for a while.
 */
@ProviderType
public interface AsyncInvoker {

    /**
     * Queues a call. Returns once the event is durably stored, so it runs even if the engine
     * stops right after. Fails with {@code ResourceNotFoundException} for an unknown function,
     * {@code InvalidParameterValueException} for a request id that cannot name a record and
     * {@code ResourceConflictException} for a request id already used.
     *
     * @param qualifier {@code null} or {@code $LATEST}
     * @param event the event as JSON
     */
    AsyncInvocation submit(String functionName, String qualifier, String requestId, byte[] event);

    /** The call's record, if it is known and not yet pruned. */
    Optional<AsyncInvocation> status(String requestId);
}
