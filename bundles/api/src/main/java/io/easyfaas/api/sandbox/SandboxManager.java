package io.easyfaas.api.sandbox;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

import io.easyfaas.api.function.FunctionConfiguration;

/** The funclet: makes sandboxes for the runtimes that installed plugins serve. */
@ProviderType
public interface SandboxManager {

    /**
     * Starts a stem cell of {@code runtime}, limited to {@code memoryLimitMb} until a function's
     * {@code MemorySize} applies; completes when its bootstrap has connected and is ready for
     * {@link Sandbox#initialize}.
     */
    CompletionStage<Sandbox> create(String runtime, int memoryLimitMb);

    /**
     * Starts a sandbox made for {@code function} alone, for a call that finds no stem cell: it
     * starts with the function's memory limit, network (see
     * {@link io.easyfaas.api.function.FunctionDefinition#NETWORK_MODES}; {@code host} shares the
     * host's network namespace) and code, and the function is sent to load as soon as the
     * runtime connects. Completes when its bootstrap has said hello; then
     * {@link Sandbox#initialize} with the same function and directory completes when the
     * function has loaded. Such a sandbox is never a stem cell.
     *
     * @param codeDirectory the function's unpacked code on the host
     */
    CompletionStage<Sandbox> create(FunctionConfiguration function, Path codeDirectory);

    /** Runtime names that can be created now. */
    Set<String> runtimes();

    /**
     * The runtime whose stem cells serve functions of {@code runtime}. Runtimes that a plugin
     * starts with the same command line (several names for one interpreter, such as
     * {@code nodejs12} and {@code nodejs20} on one {@code node}) share their stem cells, kept
     * under one of their names; any other runtime, installed or not, is its own.
     *
     * @since 3.1
     */
    default String stemCellRuntime(String runtime) {
        return runtime;
    }
}
