package io.easyfaas.api.kernel;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/** A process the kernel bundle started; it is reaped by the kernel bundle, never left a zombie. */
@ProviderType
public interface LaunchedProcess {

    /** The process id as the engine sees it. */
    int pid();

    /** Completes with the exit status once the process is gone and reaped. */
    CompletionStage<ExitStatus> exited();

    /** Sends SIGKILL; in a PID namespace this ends every process of the sandbox. */
    void kill();

    /**
     * Makes host directory {@code source} appear at {@code target} inside the running process's
     * mount namespace (which must have a {@link MountSpec.Kind#MOUNT_POINT} there).
     */
    void attach(Path source, String target, boolean readOnly);
}
