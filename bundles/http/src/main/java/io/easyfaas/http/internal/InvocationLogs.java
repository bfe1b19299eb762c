package io.easyfaas.http.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

import io.easyfaas.api.invoke.InvocationResult;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;

/**
 * What an invoke answers about the call's log, as EasyFaaS clients ask for it: {@code Log-Type:
 * Tail} (or {@code ?logType=Tail}) puts the log's last 4 KiB, base64, in
 * {@code X-easyfaas-Log-Result} and {@code X-Bce-Log-Result}; {@code Log-To-Body: true} (or
 * {@code ?logToBody=true}) answers {@code {"FunctionError","LogResult","Payload"}} instead of the
 * bare payload.
 */
final class InvocationLogs {
    static final int TAIL_BYTES = 4 * 1024;
    static final HttpString LOG_RESULT = HttpString.tryFromString("X-easyfaas-Log-Result");
    static final HttpString BCE_LOG_RESULT = HttpString.tryFromString("X-Bce-Log-Result");
    private static final HttpString LOG_TYPE = HttpString.tryFromString("Log-Type");
    private static final HttpString LOG_TO_BODY = HttpString.tryFromString("Log-To-Body");

    private InvocationLogs() {
    }

    /** Answers the call's result, with its log where the request asked for it. */
    static void send(HttpServerExchange exchange, Exchanges exchanges, InvocationResult result) {
        if ("tail".equalsIgnoreCase(option(exchange, LOG_TYPE, "logType"))) {
            String tail = Base64.getEncoder().encodeToString(tail(result.log()));
            exchange.getResponseHeaders().put(LOG_RESULT, tail).put(BCE_LOG_RESULT, tail);
        }
        if (!"true".equalsIgnoreCase(option(exchange, LOG_TO_BODY, "logToBody"))) {
            Exchanges.send(exchange, 200, Exchanges.JSON_TYPE, result.payload());
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (result.isFunctionError()) {
            body.put("FunctionError", "Unhandled");
        }
        body.put("LogResult", result.log());
        body.put("Payload", new String(result.payload(), StandardCharsets.UTF_8));
        exchanges.sendJson(exchange, 200, body);
    }

    private static String option(HttpServerExchange exchange, HttpString header, String query) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value == null) {
            Deque<String> values = exchange.getQueryParameters().get(query);
            value = values == null ? null : values.peekFirst();
        }
        return value == null ? "" : value.trim();
    }

    /** The last {@link #TAIL_BYTES} of the log's UTF-8, starting at a whole character. */
    static byte[] tail(String log) {
        byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
        int from = Math.max(0, bytes.length - TAIL_BYTES);
        while (from < bytes.length && (bytes[from] & 0xC0) == 0x80) {
            from++;
        }
        return Arrays.copyOfRange(bytes, from, bytes.length);
    }
}
