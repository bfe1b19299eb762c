package io.easyfaas.http.internal;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading bodies and writing JSON answers and error bodies, the same way on every route. */
final class Exchanges {
    private static final Logger LOG = LoggerFactory.getLogger(Exchanges.class);
    static final String JSON_TYPE = "application/json";

    /** Receives a whole request body. */
    interface BodyHandler {
        void handle(HttpServerExchange exchange, byte[] body) throws Exception;
    }

    private final ObjectMapper json;

    Exchanges(ObjectMapper json) {
        this.json = json;
    }

    ObjectMapper json() {
        return json;
    }

    /**
     * Reads the body without blocking, refusing one over {@code maxBytes} with 413 before or
     * while it arrives, then hands it on.
     */
    void readBody(HttpServerExchange exchange, long maxBytes, String what, BodyHandler handler) {
        if (exchange.getRequestContentLength() > maxBytes) {
            sendError(exchange, tooLarge(what, maxBytes));
            return;
        }
        exchange.setMaxEntitySize(maxBytes);
        exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
            try {
                handler.handle(ex, body);
            } catch (Exception e) {
                sendError(ex, e);
            }
        }, (ex, e) -> sendError(ex, e instanceof RequestTooBigException ? tooLarge(what, maxBytes)
                : FaasException.invalid("Could not read the request body: " + e.getMessage())));
    }

    private static FaasException tooLarge(String what, long maxBytes) {
        return FaasException.tooLarge(what + " is larger than the limit of " + maxBytes + " bytes");
    }

    void sendJson(HttpServerExchange exchange, int status, Object body) {
        try {
            send(exchange, status, JSON_TYPE, json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            sendError(exchange, e);
        }
    }

    static void send(HttpServerExchange exchange, int status, String contentType, byte[] body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }

    /** Answers a failure with the API's error body; anything not a FaasException is a 500. */
    void sendError(HttpServerExchange exchange, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        FaasException error;
        if (cause instanceof FaasException faas) {
            error = faas;
        } else {
            LOG.error("Unexpected failure answering {} {}", exchange.getRequestMethod(), exchange.getRequestPath(), cause);
            error = new FaasException(ErrorCode.SERVICE, "Internal error: " + cause.getClass().getSimpleName());
        }
        if (exchange.isResponseStarted()) {
            exchange.endExchange();
            return;
        }
        ErrorCode code = error.errorCode();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Code", code.code());
        body.put("Message", error.getMessage());
        body.put("Type", code.type());
        body.put("Status", code.status());
        if (error.getCause() != null && error.getCause().getMessage() != null) {
            body.put("Cause", error.getCause().getMessage());
        }
        sendJson(exchange, code.status(), body);
    }
}
