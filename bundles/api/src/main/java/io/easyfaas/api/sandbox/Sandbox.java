package io.easyfaas.api.sandbox;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.invoke.InvocationResult;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A running runtime in its sandbox. It starts as a stem cell, is specialised once for one
 * function revision by {@link #initialize}, then serves {@link #invoke} calls for it.
 */
@ProviderType
public interface Sandbox {

    String id();

    String runtime();

    /**
     * Loads the function's handler. Completes with a successful result when the handler is
     * loaded, or with a function error ({@code Runtime.ImportModuleError}, ...) when it is not;
     * a sandbox whose initialisation failed must be destroyed.
     */
    CompletionStage<InvocationResult> initialize(FunctionConfiguration function, Path codeDirectory);

    /**
     * Runs the handler once. Completes exceptionally with {@link SandboxExitedException} if the
     * runtime dies first. The deadline is passed to the handler's context; enforcing it is the
     * caller's job.
     *
     * <p>Since 3.0: may be called as soon as {@link #initialize} has been called, before its stage
     * completes. The call then reaches the runtime right behind the init, without waiting for its
     * answer; if loading the function fails, the call completes with the init's function error, or
     * with the exception the init failed with. The stage {@code initialize} returned completes
     * (and runs what depends on it) before such a call completes.
     */
    CompletionStage<InvocationResult> invoke(String requestId, byte[] event, long deadlineEpochMillis);

    /**
     * Since 3.2: a health check. Completes once the runtime has answered, or at once where it
     * cannot be asked (its bootstrap does not answer pings); completes exceptionally if the
     * sandbox is gone. A runtime that is stuck never answers: the caller decides how long to wait.
     */
    default CompletionStage<Void> ping() {
        return CompletableFuture.completedFuture(null);
    }

    /** Completes when the runtime process is gone, whatever the reason. */
    CompletionStage<Void> exited();

    boolean isAlive();

    /** The host's process id of the runtime, for operators; -1 when there is none (yet). */
    default long pid() {
        return -1;
    }

    /** Kills the runtime and releases everything the sandbox holds. Safe to call twice. */
    void destroy();
}
