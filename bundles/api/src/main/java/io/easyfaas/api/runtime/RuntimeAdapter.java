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
}
