package io.easyfaas.api.kernel;

import org.osgi.annotation.versioning.ProviderType;

/** Starts processes, plain or in their own namespaces, and reaps them. */
@ProviderType
public interface ProcessLauncher {

    /**
     * Starts {@code spec}'s process. Returns once it runs (and has joined its cgroup).
     *
     * @throws KernelException naming the call that failed
     */
    LaunchedProcess launch(LaunchSpec spec);
}
