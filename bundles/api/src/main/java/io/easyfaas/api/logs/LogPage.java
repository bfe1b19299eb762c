package io.easyfaas.api.logs;

import java.time.Instant;
import java.util.List;

/**
 * Entries read from a function's log, oldest first.
 *
 * @param entries the matching entries
 * @param next the {@code since} that reads what comes after these entries (just past the last
 *     one), or the query's own {@code since} when there were none
 */
public record LogPage(List<LogEntry> entries, Instant next) {

    public LogPage {
        entries = List.copyOf(entries);
    }
}
