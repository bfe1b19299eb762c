package io.easyfaas.api.logs;

import java.time.Instant;

/**
 * Which entries of a function's log to read.
 *
 * @param requestId only this call's entries; {@code null} for all
 * @param since only entries at or after this time; {@code null} for no lower bound
 * @param until only entries before this time; {@code null} for no upper bound
 * @param limit at most this many entries (at least 1): with {@code since}, the oldest matching
 *     ones (to page forward); without, the newest (a tail)
 */
public record LogQuery(String requestId, Instant since, Instant until, int limit) {

    public LogQuery {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, not " + limit);
        }
        if (since != null && until != null && until.isBefore(since)) {
            throw new IllegalArgumentException("until " + until + " is before since " + since);
        }
    }
}
