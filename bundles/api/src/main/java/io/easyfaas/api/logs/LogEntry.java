package io.easyfaas.api.logs;

import java.time.Instant;

/**
 * One line of a function's log.
 *
 * @param time when the engine wrote it; strictly increasing within one function's log, so it
 *     doubles as a cursor
 * @param requestId the call the line belongs to
 * @param message the line without its line break: a line the handler wrote, or one of the
 *     engine's {@code START} / {@code END} / {@code REPORT} lines
 */
public record LogEntry(Instant time, String requestId, String message) {
}
