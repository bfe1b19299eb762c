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

    /** Runtime names that can be created now. */
    Set<String> runtimes();
}
