package io.easyfaas.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code easyfaas}: the command-line client of the engine's HTTP API.
 *
 * <p>Exit status: 0 success; 1 the function failed ({@code invoke}); 2 the engine answered with
 * an error; 3 the engine could not be reached; 64 bad command line.
 */
public final class Main {

    static final String DEFAULT_URL = "http://127.0.0.1:8899";
    static final String FUNCTION_ERROR_HEADER = "X-easyfaas-Function-Error";
    static final String LOG_RESULT_HEADER = "X-easyfaas-Log-Result";
    static final String NEXT_SINCE_HEADER = "X-easyfaas-Log-Next-Since";
    /** How often {@code logs --follow} asks for new lines. */
    static final long FOLLOW_POLL_MILLIS = 1000;

    static final int OK = 0;
    static final int FUNCTION_ERROR = 1;
    static final int API_ERROR = 2;
    static final int UNREACHABLE = 3;
    static final int USAGE = 64;

    static final String USAGE_TEXT = """
            usage: easyfaas <command> [options]          (options may go anywhere)

            commands:
              serve [--port N] [--host H] [--data DIR]
                    run the engine in the foreground (default 127.0.0.1:8899, ./data)
              deploy NAME --runtime R --handler H --code DIR|ZIP|FILE
                    [--memory MB] [--timeout S] [--description D] [--env K=V]... [--network none|bridge|host]
                    [--concurrency N]
                    create or replace a function; a directory is zipped as it is; N is how many
                    calls one sandbox takes at once (PodConcurrentQuota; default: the engine's)
              invoke NAME [--data JSON|@FILE|@-] [--log]
                    call a function with a JSON event (default {}); prints its result, and
                    with --log the end of the call's log on stderr
              logs NAME [--follow] [--request-id ID] [--since TIME] [--limit N]
                    print a function's log, the last 100 lines unless --limit says; TIME is
                    epoch milliseconds or ISO-8601; --follow keeps printing new lines
              list  list functions
              get NAME
                    show a function's configuration
              delete NAME
                    delete a function

            options:
              --url URL        the engine (default $EASYFAAS_URL, else http://127.0.0.1:8899)
              -v, --verbose    show the HTTP exchange on stderr
              -h, --help       this text
              --version        the client's version

            exit status: 0 ok, 1 the function returned an error, 2 the engine returned an error,
                         3 the engine is unreachable, 64 bad command line
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final InputStream stdin;
    private HttpClient http;
    private boolean verbose;

    Main(PrintStream out, PrintStream err, Map<String, String> env, InputStream stdin) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.stdin = stdin;
    }

    public static void main(String[] args) {
        int status = new Main(System.out, System.err, System.getenv(), System.in).run(args);
        System.out.flush();
        System.exit(status);
    }

    int run(String... argv) {
        CliArgs args;
        try {
            args = CliArgs.parse(argv);
        } catch (UsageException e) {
            return usageError(e.getMessage());
        }
        if (args.has("version")) {
            String v = Main.class.getPackage().getImplementationVersion();
            out.println("easyfaas " + (v == null ? "(development build)" : v));
            return OK;
        }
        String command = args.command();
        if (args.has("help") || "help".equals(command)) {
            out.print(USAGE_TEXT);
            return OK;
        }
        if (command == null) {
            err.print(USAGE_TEXT);
            return USAGE;
        }
        verbose = args.has("verbose");
        String base = args.get("url");
        if (base == null || base.isBlank()) {
            base = env.getOrDefault("EASYFAAS_URL", "");
        }
        if (base.isBlank()) {
            base = DEFAULT_URL;
        }
        base = base.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        try {
            URI check = new URI(base);
            if (check.getScheme() == null || check.getHost() == null
                    || !(check.getScheme().equals("http") || check.getScheme().equals("https"))) {
                throw new UsageException("--url must be an http:// or https:// URL: " + base);
            }
            return switch (command) {
                case "deploy" -> deploy(base, args);
                case "invoke" -> invoke(base, args);
                case "logs" -> logs(base, args);
                case "list" -> list(base, args);
                case "get" -> get(base, args);
                case "delete" -> delete(base, args);
                case "serve" -> throw new UsageException(
                        "serve is run by the launcher: use bin/easyfaas serve (or ./easyfaas serve)");
                default -> throw new UsageException("unknown command: " + command);
            };
        } catch (UsageException e) {
            return usageError(e.getMessage());
        } catch (URISyntaxException e) {
            return usageError("--url is not a valid URL: " + base);
        } catch (Unreachable e) {
            err.println("easyfaas: " + e.getMessage());
            return UNREACHABLE;
        } catch (IOException e) {
            err.println("easyfaas: " + e.getMessage());
            return API_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("easyfaas: interrupted");
            return UNREACHABLE;
        }
    }

    private int usageError(String message) {
        err.println("easyfaas: " + message);
        err.println("run 'easyfaas --help' for usage");
        return USAGE;
    }

    // --- commands -----------------------------------------------------------------------------

    private int deploy(String base, CliArgs args) throws UsageException, IOException, InterruptedException, Unreachable {
        args.allowOnly("deploy", "runtime", "handler", "code", "memory", "timeout", "description", "env", "network", "concurrency");
        String name = args.operands("deploy", 1, "a function NAME").get(0);
        String runtime = required(args, "runtime");
        String handler = required(args, "handler");
        String code = required(args, "code");
        Integer memory = args.integer("memory", 1);
        Integer timeout = args.integer("timeout", 1);
        Integer concurrency = args.integer("concurrency", 0);
        Map<String, String> vars = args.env();
        byte[] zip;
        try {
            zip = CodePackage.read(Path.of(code));
        } catch (IOException e) {
            throw new UsageException("--code: cannot read " + code + ": " + e.getMessage());
        }
        String body = Json.write(deployBody(name, runtime, handler, memory, timeout, args.get("description"), args.get("network"),
                concurrency, vars, zip));
        HttpResponse<byte[]> response = send(base, "POST", functionPath(name), body);
        return printJson(response);
    }

    /** The create-or-replace request; fields not given on the command line are left out. */
    static Map<String, Object> deployBody(String name, String runtime, String handler, Integer memory,
            Integer timeout, String description, String network, Integer concurrency, Map<String, String> vars, byte[] zip) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("FunctionName", name);
        body.put("Runtime", runtime);
        body.put("Handler", handler);
        if (memory != null) {
            body.put("MemorySize", memory);
        }
        if (timeout != null) {
            body.put("Timeout", timeout);
        }
        if (description != null) {
            body.put("Description", description);
        }
        if (!vars.isEmpty()) {
            body.put("Environment", Map.of("Variables", vars));
        }
        if (network != null) {
            body.put("Network", network);
        }
        if (concurrency != null) {
            body.put("PodConcurrentQuota", concurrency);
        }
        body.put("Code", Base64.getEncoder().encodeToString(zip));
        return body;
    }

    private int invoke(String base, CliArgs args) throws UsageException, IOException, InterruptedException, Unreachable {
        args.allowOnly("invoke", "data", "log");
        String name = args.operands("invoke", 1, "a function NAME").get(0);
        byte[] payload = payload(args.get("data"));
        HttpResponse<byte[]> response = send(base, "POST", functionPath(name) + "/invocations", payload,
                args.has("log") ? Map.of("Log-Type", "Tail") : Map.of());
        byte[] body = response.body();
        Optional<String> log = response.headers().firstValue(LOG_RESULT_HEADER);
        if (log.isPresent()) {
            writeLine(err, Base64.getDecoder().decode(log.get()));
        }
        if (response.headers().firstValue(FUNCTION_ERROR_HEADER).isPresent()) {
            writeLine(err, body);
            return FUNCTION_ERROR;
        }
        if (response.statusCode() >= 400) {
            return apiError(response);
        }
        writeLine(out, body);
        return OK;
    }

    private int logs(String base, CliArgs args)
            throws UsageException, IOException, InterruptedException, Unreachable {
        args.allowOnly("logs", "follow", "request-id", "since", "limit");
        String path = functionPath(args.operands("logs", 1, "a function NAME").get(0)) + "/logs";
        Integer limit = args.integer("limit", 1);
        String since = args.get("since");
        while (true) {
            StringBuilder query = new StringBuilder();
            addParameter(query, "requestId", args.get("request-id"));
            addParameter(query, "since", since);
            addParameter(query, "limit", limit == null ? null : limit.toString());
            HttpResponse<byte[]> response = send(base, "GET", path + query, null, Map.of("Accept", "text/plain"));
            if (response.statusCode() >= 400) {
                return apiError(response);
            }
            out.write(response.body(), 0, response.body().length);
            out.flush();
            if (!args.has("follow")) {
                return OK;
            }
            since = response.headers().firstValue(NEXT_SINCE_HEADER).orElse(since);
            Thread.sleep(FOLLOW_POLL_MILLIS);
        }
    }

    private static void addParameter(StringBuilder query, String name, String value) {
        if (value != null) {
            query.append(query.length() == 0 ? '?' : '&').append(name).append('=').append(encodeSegment(value));
        }
    }

    private byte[] payload(String data) throws UsageException, IOException {
        if (data == null) {
            return "{}".getBytes(StandardCharsets.UTF_8);
        }
        if (data.equals("@-")) {
            return stdin.readAllBytes();
        }
        if (data.startsWith("@")) {
            Path file = Path.of(data.substring(1));
            try {
                return Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new UsageException("--data: no such file: " + file);
            } catch (IOException e) {
                throw new UsageException("--data: cannot read " + file + ": " + e.getMessage());
            }
        }
        return data.getBytes(StandardCharsets.UTF_8);
    }

    private int list(String base, CliArgs args) throws UsageException, IOException, InterruptedException, Unreachable {
        args.allowOnly("list");
        args.operands("list", 0, "");
        return printJson(send(base, "GET", "/v1/functions", null));
    }

    private int get(String base, CliArgs args) throws UsageException, IOException, InterruptedException, Unreachable {
        args.allowOnly("get");
        String name = args.operands("get", 1, "a function NAME").get(0);
        return printJson(send(base, "GET", functionPath(name), null));
    }

    private int delete(String base, CliArgs args) throws UsageException, IOException, InterruptedException, Unreachable {
        args.allowOnly("delete");
        String name = args.operands("delete", 1, "a function NAME").get(0);
        HttpResponse<byte[]> response = send(base, "DELETE", functionPath(name), null);
        if (response.statusCode() >= 300) {
            return apiError(response);
        }
        out.println("deleted " + name);
        return OK;
    }

    // --- HTTP ---------------------------------------------------------------------------------

    private static String required(CliArgs args, String option) throws UsageException {
        String v = args.get(option);
        if (v == null || v.isBlank()) {
            throw new UsageException("deploy needs --" + option);
        }
        return v;
    }

    static String functionPath(String name) throws UsageException {
        if (name.isEmpty()) {
            throw new UsageException("the function name is empty");
        }
        return "/v1/functions/" + encodeSegment(name);
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters. */
    static String encodeSegment(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private HttpResponse<byte[]> send(String base, String method, String path, Object body)
            throws IOException, InterruptedException, Unreachable {
        return send(base, method, path, body, Map.of());
    }

    /** Sends a request; {@code headers} add to or replace the defaults (Accept: JSON). */
    private HttpResponse<byte[]> send(String base, String method, String path, Object body, Map<String, String> headers)
            throws IOException, InterruptedException, Unreachable {
        if (http == null) {
            http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        HttpRequest.BodyPublisher publisher;
        if (body == null) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else if (body instanceof byte[] bytes) {
            publisher = HttpRequest.BodyPublishers.ofByteArray(bytes);
        } else {
            publisher = HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, publisher)
                .header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::setHeader);
        if (verbose) {
            err.println("> " + method + " " + base + path);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            if (isUnreachable(e)) {
                throw new Unreachable("cannot reach the engine at " + base + ": is `./easyfaas serve` running?");
            }
            throw new Unreachable("lost the connection to the engine at " + base + ": " + describe(e));
        } catch (IllegalArgumentException e) {
            throw new Unreachable("bad engine URL " + base + ": " + e.getMessage());
        }
        if (verbose) {
            err.println("< " + response.statusCode());
            response.headers().map().forEach((k, vs) -> {
                if (!k.startsWith(":")) {
                    vs.forEach(v -> err.println("< " + k + ": " + v));
                }
            });
        }
        return response;
    }

    private static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
                    || t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private int printJson(HttpResponse<byte[]> response) {
        if (response.statusCode() >= 400) {
            return apiError(response);
        }
        String text = new String(response.body(), StandardCharsets.UTF_8);
        if (!text.isEmpty()) {
            out.println(Json.pretty(text));
        }
        return OK;
    }

    /** The engine's error body ({@code {"Code","Message","Type","Status"}}) as it is, to stderr. */
    private int apiError(HttpResponse<byte[]> response) {
        byte[] body = response.body();
        if (body == null || body.length == 0) {
            err.println("{\"Status\":" + response.statusCode() + ",\"Message\":\"HTTP " + response.statusCode() + "\"}");
        } else {
            writeLine(err, body);
        }
        return API_ERROR;
    }

    private static void writeLine(PrintStream stream, byte[] body) {
        stream.write(body, 0, body.length);
        if (body.length == 0 || body[body.length - 1] != '\n') {
            stream.println();
        }
        stream.flush();
    }

    /** The engine cannot be reached (exit status 3). */
    static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(message);
        }
    }
}
