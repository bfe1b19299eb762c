package io.easyfaas.api.sandbox;

import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/** The funclet: makes sandboxes for the runtimes that installed plugins serve. */
@ProviderType
public interface SandboxManager {

    /**
     * Starts a stem cell of {@code runtime}; completes when its bootstrap has connected and is
     * ready for {@link Sandbox#initialize}.
     */
    CompletionStage<Sandbox> create(String runtime);

    /**
     * Starts a sandbox of {@code runtime} for a function of network mode {@code network} (see
     * {@link io.easyfaas.api.function.FunctionDefinition#NETWORK_MODES}): {@code host} shares
     * the host's network namespace, so such a sandbox is made for its function and is never a
     * stem cell; the other modes start like stem cells and are connected at
     * {@link Sandbox#initialize}.
     */
    CompletionStage<Sandbox> create(String runtime, String network);

    /** Runtime names that can be created now. */
    Set<String> runtimes();
}
