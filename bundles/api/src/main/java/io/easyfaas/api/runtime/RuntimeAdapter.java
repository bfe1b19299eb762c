package io.easyfaas.api.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A language runtime, provided by a plugin bundle. The engine starts the command this adapter
 * gives, with a clean environment plus the variables of {@link RuntimeProtocol}, and expects the
 * bootstrap to connect back (or take the connection it is given, see
 * {@link #takesConnectionDescriptor()}) and speak {@link RuntimeProtocol}. The process starts as a generic
 * "stem cell": it learns which function to load only from the {@code init} message.
 */
@ConsumerType
public interface RuntimeAdapter {

    /** The runtime names this adapter serves, e.g. {@code nodejs12}, {@code nodejs20}. */
    Set<String> runtimeNames();

    /** A host directory holding the bootstrap files; the engine never writes to it. */
    Path bootstrapDirectory();

    /**
     * The command line that starts a stem cell of {@code runtimeName}.
     *
     * @param bootstrapDirectory where the process sees {@link #bootstrapDirectory()}
     */
    List<String> command(String runtimeName, Path bootstrapDirectory);

    /**
     * Whether the bootstrap takes the connection the engine made for it as a descriptor
     * ({@link RuntimeProtocol#DESCRIPTOR_ENV}) instead of connecting to
     * {@link RuntimeProtocol#SOCKET_ENV}: a runtime whose socket library is costly to load starts
     * sooner without it. Since 1.3; bootstraps written before connect.
     */
    default boolean takesConnectionDescriptor() {
        return false;
    }

    /**
     * Prepares a function's code for {@code runtimeName} once, when it is deployed, so that no
     * cold start redoes that work: a Python runtime compiles it to bytecode, for instance. The
     * registry calls it on the host, with the package unpacked in {@code codeDirectory} and not
     * yet published; what it writes there becomes part of the package, which sandboxes see
     * read-only. It must never run the function's code, and it must leave the code loadable as
     * it was when it fails: the function is deployed all the same. Since 1.4; by default nothing.
     */
    default void prepareCode(String runtimeName, Path codeDirectory) {
    }
}
