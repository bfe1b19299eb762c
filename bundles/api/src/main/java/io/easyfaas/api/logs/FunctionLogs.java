package io.easyfaas.api.logs;

import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The engine's store of function logs: every call's {@code START}, output lines, {@code END} and
 * {@code REPORT}, kept on disk per function with rotation and a size cap, so old lines go.
 */
@ProviderType
public interface FunctionLogs {

    /** Reads {@code functionName}'s log; an empty page when it has none. */
    LogPage read(String functionName, LogQuery query);

    /**
     * Hands every entry written to {@code functionName}'s log from now on, of {@code requestId}
     * only unless it is {@code null}, to {@code listener} (on the writer's thread: keep it short)
     * until the returned handle is closed.
     */
    AutoCloseable follow(String functionName, String requestId, Consumer<LogEntry> listener);
}
