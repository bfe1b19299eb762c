package io.easyfaas.http.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.logs.LogEntry;
import io.easyfaas.api.logs.LogPage;
import io.easyfaas.api.logs.LogQuery;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

/**
 * {@code GET /v1/functions/{name}/logs?requestId=&since=&until=&limit=}: the query from the
 * request (times as epoch milliseconds or ISO-8601), the page as
 * {@code {"Events":[{"Timestamp","RequestId","Message"}],"NextSince"}}, or, for a client that
 * accepts {@code text/plain} and not JSON, as lines {@code <Timestamp>\t<RequestId>\t<Message>}
 * with the next {@code since} in {@code X-easyfaas-Log-Next-Since}.
 */
final class FunctionLogRequests {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;

    private FunctionLogRequests() {
    }

    static LogQuery query(HttpServerExchange exchange) {
        String requestId = parameter(exchange, "requestId");
        Instant since = time(parameter(exchange, "since"), "since");
        Instant until = time(parameter(exchange, "until"), "until");
        int limit = limit(parameter(exchange, "limit"));
        if (since != null && until != null && until.isBefore(since)) {
            throw FaasException.invalid("until " + until + " is before since " + since);
        }
        return new LogQuery(requestId, since, until, limit);
    }

    static final HttpString NEXT_SINCE = HttpString.tryFromString("X-easyfaas-Log-Next-Since");

    static void send(HttpServerExchange exchange, Exchanges exchanges, LogPage page) {
        String accept = exchange.getRequestHeaders().getFirst(Headers.ACCEPT);
        if (accept == null || !accept.contains("text/plain") || accept.contains("json")) {
            exchanges.sendJson(exchange, 200, body(page));
            return;
        }
        StringBuilder text = new StringBuilder();
        for (LogEntry entry : page.entries()) {
            text.append(entry.time()).append('\t').append(entry.requestId()).append('\t').append(entry.message()).append('\n');
        }
        if (page.next() != null) {
            exchange.getResponseHeaders().put(NEXT_SINCE, page.next().toString());
        }
        Exchanges.send(exchange, 200, "text/plain; charset=utf-8", text.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, Object> body(LogPage page) {
        List<Map<String, Object>> events = page.entries().stream().map(FunctionLogRequests::event).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Events", events);
        body.put("NextSince", page.next() == null ? null : page.next().toString());
        return body;
    }

    private static Map<String, Object> event(LogEntry entry) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("Timestamp", entry.time().toString());
        event.put("RequestId", entry.requestId());
        event.put("Message", entry.message());
        return event;
    }

    private static String parameter(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        String value = values == null ? null : values.peekFirst();
        return value == null || value.isBlank() ? null : value.trim();
    }

    static Instant time(String value, String name) {
        if (value == null) {
            return null;
        }
        try {
            if (value.chars().allMatch(Character::isDigit)) {
                return Instant.ofEpochMilli(Long.parseLong(value));
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw FaasException.invalid(name + " must be epoch milliseconds or an ISO-8601 time such as "
                    + "2026-01-31T12:00:00Z, not " + value);
        }
    }

    private static int limit(String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw FaasException.invalid("limit must be a whole number from 1 to " + MAX_LIMIT + ", not " + value);
    }
}
