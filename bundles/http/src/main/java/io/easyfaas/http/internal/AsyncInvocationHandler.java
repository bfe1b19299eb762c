package io.easyfaas.http.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.invoke.AsyncInvocation;
import io.easyfaas.api.invoke.AsyncInvoker;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;

/**
 * Event invocations over HTTP: {@code X-easyfaas-Invoke-Type: event} on the invoke route answers
 * 202 once the event is durably queued; {@code GET /v1/invocations/{requestId}} tells how it went.
 */
final class AsyncInvocationHandler {
    static final HttpString INVOKE_TYPE = HttpString.tryFromString("X-easyfaas-Invoke-Type");

    private final AsyncInvoker asyncInvoker;
    private final Exchanges exchanges;

    AsyncInvocationHandler(AsyncInvoker asyncInvoker, Exchanges exchanges) {
        this.asyncInvoker = asyncInvoker;
        this.exchanges = exchanges;
    }

    static boolean isEvent(HttpServerExchange exchange) {
        return "event".equalsIgnoreCase(exchange.getRequestHeaders().getFirst(INVOKE_TYPE));
    }

    /** Queues the call on a worker thread (the queue forces the event to disk), then answers 202. */
    void submit(HttpServerExchange exchange, String functionName, String qualifier, String requestId, byte[] event) {
        exchange.dispatch(exchange.getConnection().getWorker(), () -> {
            try {
                exchanges.sendJson(exchange, 202, body(asyncInvoker.submit(functionName, qualifier, requestId, event)));
            } catch (RuntimeException e) {
                exchanges.sendError(exchange, e);
            }
        });
    }

    void status(HttpServerExchange exchange) {
        String requestId = exchange.getQueryParameters().get("requestId").getFirst();
        AsyncInvocation invocation = asyncInvoker.status(requestId)
                .orElseThrow(() -> FaasException.notFound("No event invocation with request id " + requestId));
        exchanges.sendJson(exchange, 200, body(invocation));
    }

    private Map<String, Object> body(AsyncInvocation invocation) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("RequestId", invocation.requestId());
        body.put("FunctionName", invocation.functionName());
        body.put("Status", invocation.status());
        body.put("Attempts", invocation.attempts());
        body.put("SubmittedAt", Instant.ofEpochMilli(invocation.submittedEpochMillis()).toString());
        if (invocation.isFinished()) {
            body.put("FinishedAt", Instant.ofEpochMilli(invocation.finishedEpochMillis()).toString());
        }
        if (invocation.errorType() != null) {
            body.put("ErrorType", invocation.errorType());
        }
        if (invocation.result() != null) {
            body.put(invocation.errorType() == null ? "Result" : "Error", json(invocation.result()));
        }
        return body;
    }

    /** The stored result as JSON; a runtime's reply that is not JSON is shown as text. */
    private Object json(byte[] payload) {
        try {
            return exchanges.json().readTree(payload);
        } catch (IOException e) {
            return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
