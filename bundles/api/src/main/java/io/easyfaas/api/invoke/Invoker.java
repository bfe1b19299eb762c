package io.easyfaas.api.invoke;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/** Runs functions: picks or makes a sandbox, calls the handler, enforces the timeout. */
@ProviderType
public interface Invoker {

    /**
     * Invokes a function. A function that fails still completes normally, with
     * {@link InvocationResult#isFunctionError()}; the stage completes exceptionally (or the call
     * throws) with {@link io.easyfaas.api.FaasException} only when the call could not be made:
     * unknown function, no capacity, engine failure.
     *
     * @param qualifier {@code null} or {@code $LATEST}
     * @param event the event as JSON
     */
    CompletionStage<InvocationResult> invoke(String functionName, String qualifier, String requestId, byte[] event);
}
