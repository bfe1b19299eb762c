package io.easyfaas.api.kernel;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A process to start.
 *
 * @param command absolute program path (as the process sees it) and its arguments
 * @param environment the whole environment; nothing of the engine's is inherited
 * @param workingDirectory as the process sees it
 * @param output host file that receives the process's stdout and stderr (appended)
 * @param cgroup the group the process joins before it runs user code, or {@code null}
 * @param isolation {@code null} for a plain child process of the engine
 * @param connection a Unix socket (host path) the launcher connects to before the process
 *     starts, handing it the connection as descriptor {@link #CONNECTION_DESCRIPTOR}; or
 *     {@code null} (since 1.2)
 */
public record LaunchSpec(List<String> command, Map<String, String> environment, String workingDirectory,
        Path output, Cgroup cgroup, Isolation isolation, Path connection) {

    /** The descriptor a process gets its {@link #connection()} as. */
    public static final int CONNECTION_DESCRIPTOR = 3;

    /** A process that is given no connection. */
    public LaunchSpec(List<String> command, Map<String, String> environment, String workingDirectory,
            Path output, Cgroup cgroup, Isolation isolation) {
        this(command, environment, workingDirectory, output, cgroup, isolation, null);
    }

    public LaunchSpec {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        Objects.requireNonNull(output, "output");
        if (command.isEmpty() || !command.get(0).startsWith("/")) {
            throw new IllegalArgumentException("the program path must be absolute: " + command);
        }
    }
}
