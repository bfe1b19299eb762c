package io.easyfaas.api.kernel;

import org.osgi.annotation.versioning.ProviderType;

/** Starts processes, plain or in their own namespaces, and reaps them. */
@ProviderType
public interface ProcessLauncher {

    /**
     * Starts {@code spec}'s process. Returns once it runs (and has joined its cgroup). An
     * isolated process starts as soon as its root is entered; the host's tree is detached from
     * that root, and the root made read-only, just after, while the process runs the program it
     * was started with, and before this returns. So start only a trusted program, and give it
     * nothing untrusted to run before this returns.
     *
     * @throws KernelException naming the call that failed
     */
    LaunchedProcess launch(LaunchSpec spec);
}
