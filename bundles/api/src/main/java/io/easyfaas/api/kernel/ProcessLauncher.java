package io.easyfaas.api.kernel;

import org.osgi.annotation.versioning.ProviderType;

/** Starts processes, plain or in their own namespaces, and reaps them. */
@ProviderType
public interface ProcessLauncher {

    /**
     * Starts {@code spec}'s process. Returns once it runs (and has joined its cgroup). An
     * isolated process is started as soon as its root is entered, and what it must not see of
     * the host goes, and its root becomes read-only, just after: before this returns, and while
     * the process runs the trusted program it started with. Give it nothing untrusted to run
     * before this returns.
     *
     * @throws KernelException naming the call that failed
     */
    LaunchedProcess launch(LaunchSpec spec);
}
