package io.easyfaas.http.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionRegistry;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.invoke.AsyncInvoker;
import io.easyfaas.api.invoke.Invoker;
import io.easyfaas.api.pool.PoolStatus;
import io.easyfaas.api.kernel.KernelProbe;
import io.easyfaas.api.logs.FunctionLogs;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Xnio;

/** The engine's HTTP API: invocation, function management, health and node information. */
@Component(immediate = true, service = {}, configurationPid = "io.easyfaas.http")
@Designate(ocd = HttpGateway.Config.class)
public class HttpGateway {
    private static final Logger LOG = LoggerFactory.getLogger(HttpGateway.class);

    static final HttpString REQUEST_ID = HttpString.tryFromString("X-easyfaas-Request-Id");
    static final HttpString EXEC_TIME = HttpString.tryFromString("X-easyfaas-Function-Exectime");
    static final HttpString FUNCTION_ERROR = HttpString.tryFromString("X-easyfaas-Function-Error");

    @ObjectClassDefinition(name = "EasyFaaS HTTP gateway", description = "Where the API listens and what it accepts")
    public @interface Config {
        @AttributeDefinition(description = "Address to listen on; loopback unless the node must be reached from outside")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "TCP port")
        int port() default 8899;

        @AttributeDefinition(description = "Largest invocation event, in bytes")
        long max_event_bytes() default 6 * 1024 * 1024;

        @AttributeDefinition(description = "Largest management request (a deploy carries the base64 zip), in bytes")
        long max_management_request_bytes() default 72 * 1024 * 1024;

        @AttributeDefinition(description = "Milliseconds that calls in flight get to finish when the gateway stops")
        long shutdown_grace_millis() default 5000;
    }

    private final Config config;
    private final Invoker invoker;
    private final FunctionRegistry registry;
    private final KernelProbe kernel;
    private final FunctionLogs logs;
    private final Exchanges exchanges;
    private final FunctionRequests requests;
    private final AsyncInvocationHandler async;
    private final PoolHandlers pool;
    private final JsonFactory eventChecker = new JsonFactory();
    private final GracefulShutdownHandler graceful;
    private final Undertow server;

    @Activate
    public HttpGateway(Config config, @Reference Xnio xnio, @Reference Invoker invoker,
            @Reference FunctionRegistry registry, @Reference KernelProbe kernel, @Reference FunctionLogs logs,
            @Reference AsyncInvoker asyncInvoker, @Reference PoolStatus poolStatus) {
        this.config = config;
        this.invoker = invoker;
        this.registry = registry;
        this.kernel = kernel;
        this.logs = logs;
        ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE);
        this.exchanges = new Exchanges(json);
        this.requests = new FunctionRequests(json);
        this.async = new AsyncInvocationHandler(asyncInvoker, exchanges);
        this.pool = new PoolHandlers(poolStatus, exchanges);
        HttpHandler routes = routes();
        this.graceful = new GracefulShutdownHandler(exchange -> {
            try {
                routes.handleRequest(exchange);
            } catch (Exception e) {
                exchanges.sendError(exchange, e);
            }
        });
        // xnio is referenced so that DS starts the server only once XNIO's provider is registered.
        this.server = Undertow.builder()
                .addHttpListener(config.port(), config.host())
                .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, true)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, config.max_management_request_bytes())
                .setHandler(graceful)
                .build();
        server.start();
        LOG.info("EasyFaaS listening on http://{}:{}", config.host(), config.port());
    }

    private HttpHandler routes() {
        return new RoutingHandler()
                .get("/healthz", ex -> Exchanges.send(ex, 200, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8)))
                .get("/v1/node", ex -> exchanges.sendJson(ex, 200, Map.of("Capabilities", kernel.capabilities())))
                .post("/v1/functions/{name}/invocations", this::invoke)
                .get("/v1/invocations/{requestId}", async::status)
                .get("/v1/runtimes", pool::runtimes)
                .get("/metrics", pool::metrics)
                .addAll(new HttpTriggerHandler(invoker, exchanges, config.max_event_bytes()).routes())
                .get("/v1/functions", ex -> exchanges.sendJson(ex, 200, Map.of("Functions", registry.list())))
                .post("/v1/functions", ex -> management(ex, (e, body) -> {
                    FunctionRequests.Deployment deployment = requests.deployment(body, null);
                    exchanges.sendJson(e, 201, registry.create(deployment.definition(), deployment.zip()));
                }))
                .get("/v1/functions/{name}", ex -> exchanges.sendJson(ex, 200,
                        Map.of("Configuration", existing(name(ex)))))
                .post("/v1/functions/{name}", ex -> management(ex, (e, body) -> {
                    String name = name(e);
                    FunctionRequests.Deployment deployment = requests.deployment(body, name);
                    boolean exists = registry.get(name).isPresent();
                    exchanges.sendJson(e, exists ? 200 : 201, registry.createOrReplace(deployment.definition(), deployment.zip()));
                }))
                .put("/v1/functions/{name}/code", ex -> management(ex, (e, body) ->
                        exchanges.sendJson(e, 200, registry.updateCode(name(e), requests.code(body)))))
                .put("/v1/functions/{name}/configuration", ex -> management(ex, (e, body) ->
                        exchanges.sendJson(e, 200, registry.updateConfiguration(name(e), requests.configuration(body, name(e))))))
                .get("/v1/functions/{name}/logs", ex -> ex.dispatch(ex.getConnection().getWorker(), () -> guarded(ex, () ->
                        FunctionLogRequests.send(ex, exchanges, logs.read(existing(name(ex)).functionName(), FunctionLogRequests.query(ex))))))
                .delete("/v1/functions/{name}", ex -> ex.dispatch(() -> guarded(ex, () -> {
                    registry.delete(name(ex));
                    ex.setStatusCode(204);
                    ex.endExchange();
                })))
                .setFallbackHandler(ex -> exchanges.sendError(ex,
                        FaasException.notFound("No such resource: " + ex.getRequestMethod() + " " + ex.getRequestPath())))
                .setInvalidMethodHandler(ex -> exchanges.sendError(ex,
                        FaasException.notFound("No such resource: " + ex.getRequestMethod() + " " + ex.getRequestPath())));
    }

    /** Reads a management body, then works on a worker thread: the registry writes to disk. */
    private void management(HttpServerExchange exchange, Exchanges.BodyHandler handler) {
        exchanges.readBody(exchange, config.max_management_request_bytes(), "The request", (ex, body) ->
                ex.dispatch(ex.getConnection().getWorker(), () -> guarded(ex, () -> handler.handle(ex, body))));
    }

    private interface Work {
        void run() throws Exception;
    }

    private void guarded(HttpServerExchange exchange, Work work) {
        try {
            work.run();
        } catch (Exception e) {
            exchanges.sendError(exchange, e);
        }
    }

    private FunctionConfiguration existing(String name) {
        return registry.get(name).orElseThrow(() -> FaasException.notFound("Function not found: " + name));
    }

    private static String name(HttpServerExchange exchange) {
        return FunctionRequests.checkName(exchange.getQueryParameters().get("name").getFirst());
    }

    private void invoke(HttpServerExchange exchange) {
        String name = name(exchange);
        String requestId = exchange.getRequestHeaders().getFirst(REQUEST_ID);
        String id = requestId == null || requestId.isBlank() ? UUID.randomUUID().toString() : requestId;
        exchange.getResponseHeaders().put(REQUEST_ID, id);
        exchanges.readBody(exchange, config.max_event_bytes(), "The event", (ex, body) -> {
            byte[] event = body.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : body;
            checkJson(event);
            String qualifier = ex.getQueryParameters().containsKey("Qualifier")
                    ? ex.getQueryParameters().get("Qualifier").getFirst() : null;
            if (AsyncInvocationHandler.isEvent(ex)) {
                async.submit(ex, name, qualifier, id, event);
                return;
            }
            ex.dispatch(SameThreadExecutor.INSTANCE, () -> {
                try {
                    // answered on the connection's IO thread: answering from the sandbox channels'
                    // thread made Undertow wake the IO thread anyway, to resume reading the connection
                    invoker.invoke(name, qualifier, id, event).whenComplete((result, failure) -> ex.getIoThread().execute(() -> {
                        if (failure != null) {
                            exchanges.sendError(ex, failure);
                        } else {
                            sendResult(ex, exchanges, result);
                        }
                    }));
                } catch (RuntimeException e) {
                    exchanges.sendError(ex, e);
                }
            });
        });
    }

    private static void sendResult(HttpServerExchange exchange, Exchanges exchanges, InvocationResult result) {
        long micros = (result.durationNanos() + 500) / 1000; // milliseconds with 3 decimals, without a Formatter per call
        exchange.getResponseHeaders().put(EXEC_TIME, micros / 1000 + "." + Long.toString(1000 + micros % 1000).substring(1));
        if (result.isFunctionError()) {
            exchange.getResponseHeaders().put(FUNCTION_ERROR, "Unhandled");
        }
        InvocationLogs.send(exchange, exchanges, result);
    }

    /** The event must be one JSON value; the runtime gets it as it came. */
    private void checkJson(byte[] event) {
        try (JsonParser parser = eventChecker.createParser(event)) {
            parser.nextToken();
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw FaasException.invalid("The event must be a single JSON value");
            }
        } catch (JsonProcessingException e) {
            throw FaasException.invalid("The event is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw FaasException.invalid("The event could not be read: " + e.getMessage());
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        graceful.shutdown();
        graceful.awaitShutdown(config.shutdown_grace_millis());
        server.stop();
    }
}
