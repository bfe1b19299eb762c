package io.easyfaas.http.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.invoke.Invoker;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP triggers: {@code ANY /http/{function}[/{path...}]} calls the function's {@code $LATEST}
 * with an API-gateway event and answers what the handler describes (see {@link ApiGatewayEvents}).
 * A function error answers 502; engine errors answer the API's error body as elsewhere.
 */
final class HttpTriggerHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HttpTriggerHandler.class);

    static final String PREFIX = "/http/";
    static final int FUNCTION_ERROR_STATUS = 502;
    private static final HttpString[] METHODS = {Methods.GET, Methods.HEAD, Methods.POST, Methods.PUT,
        Methods.DELETE, Methods.PATCH, Methods.OPTIONS};

    private final Invoker invoker;
    private final Exchanges exchanges;
    private final ApiGatewayEvents events;
    private final long maxBodyBytes;

    HttpTriggerHandler(Invoker invoker, Exchanges exchanges, long maxBodyBytes) {
        this.invoker = invoker;
        this.exchanges = exchanges;
        this.events = new ApiGatewayEvents(exchanges.json());
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The routes to add to the gateway's table: every method, with and without a path. */
    RoutingHandler routes() {
        RoutingHandler routes = new RoutingHandler(false);
        for (HttpString method : METHODS) {
            routes.add(method, PREFIX + "{name}", this).add(method, PREFIX + "{name}/*", this);
        }
        return routes;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String requestPath = exchange.getRequestPath();
        String rest = requestPath.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String name = FunctionRequests.checkName(slash < 0 ? rest : rest.substring(0, slash));
        String functionPath = slash < 0 ? "/" : rest.substring(slash);
        String header = exchange.getRequestHeaders().getFirst(HttpGateway.REQUEST_ID);
        String requestId = header == null || header.isBlank() ? UUID.randomUUID().toString() : header;
        exchange.getResponseHeaders().put(HttpGateway.REQUEST_ID, requestId);
        long receivedAt = System.currentTimeMillis();
        exchanges.readBody(exchange, maxBodyBytes, "The request body", (ex, body) -> {
            byte[] event = events.event(new ApiGatewayEvents.Request(ex.getRequestMethod().toString(), requestPath,
                    functionPath, ex.getQueryString(), headers(ex), body, requestId, receivedAt, sourceIp(ex)));
            ex.dispatch(SameThreadExecutor.INSTANCE, () -> {
                try {
                    // the answer is parsed off the thread that completes the call (the runtime reader)
                    invoker.invoke(name, null, requestId, event).whenCompleteAsync((result, failure) -> {
                        if (failure != null) {
                            exchanges.sendError(ex, failure);
                        } else {
                            answer(ex, result);
                        }
                    }, ex.getConnection().getWorker());
                } catch (RuntimeException e) {
                    exchanges.sendError(ex, e);
                }
            });
        });
    }

    private void answer(HttpServerExchange exchange, InvocationResult result) {
        if (result.isFunctionError()) {
            exchange.getResponseHeaders().put(HttpGateway.FUNCTION_ERROR, "Unhandled");
            sendFunctionError(exchange, "Internal server error", result.errorType());
            return;
        }
        ApiGatewayEvents.Response response;
        try {
            response = events.response(result.payload());
        } catch (ApiGatewayEvents.InvalidResponseException e) {
            LOG.info("Function at {} answered an invalid HTTP response: {}", exchange.getRequestPath(), e.getMessage());
            sendFunctionError(exchange, "Invalid response from the function: " + e.getMessage(), "InvalidResponse");
            return;
        }
        exchange.setStatusCode(response.status());
        response.headers().forEach((name, values) -> exchange.getResponseHeaders().putAll(HttpString.tryFromString(name), values));
        exchange.getResponseSender().send(ByteBuffer.wrap(response.body()));
    }

    /**
     * The API's error body with status 502 (there is no {@code ErrorCode} for it: the failure is
     * neither the caller's nor the engine's); {@code Type} names the function's error type. The
     * function's message stays in its log, not on a public endpoint.
     */
    private void sendFunctionError(HttpServerExchange exchange, String message, String type) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Code", "FunctionError");
        body.put("Message", message);
        body.put("Type", type);
        body.put("Status", FUNCTION_ERROR_STATUS);
        exchanges.sendJson(exchange, FUNCTION_ERROR_STATUS, body);
    }

    private static Map<String, List<String>> headers(HttpServerExchange exchange) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HeaderValues values : exchange.getRequestHeaders()) {
            headers.put(values.getHeaderName().toString(), new ArrayList<>(values));
        }
        return headers;
    }

    private static String sourceIp(HttpServerExchange exchange) {
        InetSocketAddress peer = exchange.getSourceAddress();
        return peer == null || peer.getAddress() == null ? "" : peer.getAddress().getHostAddress();
    }
}
