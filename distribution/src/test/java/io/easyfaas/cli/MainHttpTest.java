package io.easyfaas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a stand-in engine: what goes over the wire, and what the user sees. */
class MainHttpTest {

    record Seen(String method, String path, String contentType, String body) {}

    /** What the stand-in answers next. */
    record Reply(int status, String body, Map<String, String> headers) {}

    @TempDir
    Path tmp;

    HttpServer server;
    String url;
    final List<Seen> seen = new ArrayList<>();
    volatile Reply reply = new Reply(200, "{}", Map.of());
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] in = exchange.getRequestBody().readAllBytes();
            synchronized (seen) {
                seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestHeaders().getFirst("Content-Type"), new String(in, StandardCharsets.UTF_8)));
            }
            Reply r = reply;
            r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(r.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    int run(Map<String, String> env, String... args) {
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env, new ByteArrayInputStream("{\"from\":\"stdin\"}".getBytes(StandardCharsets.UTF_8))).run(args);
    }

    int run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--url");
        all.add(url);
        return run(Map.of(), all.toArray(String[]::new));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    Seen only() {
        assertEquals(1, seen.size(), seen.toString());
        return seen.get(0);
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\"((?:[^\"\\\\]|\\\\.)*)\"|[0-9]+)").matcher(json);
        return m.find() ? (m.group(2) != null ? m.group(2) : m.group(1)) : null;
    }

    @Test
    void deployPostsTheFunctionWithItsZippedCode() throws Exception {
        Path dir = tmp.resolve("hello");
        Files.createDirectories(dir.resolve("lib"));
        Files.writeString(dir.resolve("index.js"), "exports.handler = async (e) => e;");
        Files.writeString(dir.resolve("lib/a.js"), "1");
        reply = new Reply(201, "{\"FunctionName\":\"hello\",\"CodeSha256\":\"abc\"}", Map.of());

        int status = run("deploy", "hello", "--runtime", "nodejs20", "--handler", "index.handler",
                "--code", dir.toString(), "--memory", "256", "--timeout", "10", "--description", "says \"hi\"",
                "--env", "GREETING=hi", "--env", "LEVEL=2");

        assertEquals(Main.OK, status, err());
        Seen s = only();
        assertEquals("POST", s.method());
        assertEquals("/v1/functions/hello", s.path());
        assertEquals("application/json", s.contentType());
        assertEquals("hello", field(s.body(), "FunctionName"));
        assertEquals("nodejs20", field(s.body(), "Runtime"));
        assertEquals("index.handler", field(s.body(), "Handler"));
        assertEquals("256", field(s.body(), "MemorySize"));
        assertEquals("10", field(s.body(), "Timeout"));
        assertEquals("says \\\"hi\\\"", field(s.body(), "Description"));
        assertTrue(s.body().contains("\"Environment\":{\"Variables\":{\"GREETING\":\"hi\",\"LEVEL\":\"2\"}}"), s.body());
        Map<String, String> files = CodePackageTest.entries(Base64.getDecoder().decode(field(s.body(), "Code")));
        assertEquals("exports.handler = async (e) => e;", files.get("index.js"));
        assertEquals("1", files.get("lib/a.js"));
        assertTrue(out().contains("\"CodeSha256\": \"abc\""), out());
    }

    /** Serves the logs route of function f from {@code replies} in turn, recording each query and Accept. */
    List<String> logsRoute(List<Reply> replies) {
        List<String> requests = new ArrayList<>();
        server.createContext("/v1/functions/f/logs", exchange -> {
            Reply r;
            synchronized (requests) {
                requests.add(exchange.getRequestURI().getRawQuery() + " " + exchange.getRequestHeaders().getFirst("Accept"));
                r = replies.get(Math.min(requests.size(), replies.size()) - 1);
            }
            r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(r.status(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        return requests;
    }

    @Test
    void logsPrintsTheLinesTheEngineSends() {
        List<String> requests = logsRoute(List.of(new Reply(200, "2026-01-01T00:00:00Z\tr1\thello\n", Map.of())));
        assertEquals(Main.OK, run("logs", "f", "--request-id", "r 1", "--limit", "5"));
        assertEquals("2026-01-01T00:00:00Z\tr1\thello\n", out());
        assertEquals(List.of("requestId=r%201&limit=5 text/plain"), requests);
    }

    @Test
    void logsFollowAsksForWhatComesAfterTheLastPageUntilTheFunctionIsGone() {
        List<String> requests = logsRoute(List.of(
                new Reply(200, "t1\tr1\tfirst\n", Map.of(Main.NEXT_SINCE_HEADER, "2026-01-01T00:00:00.000001Z")),
                new Reply(404, "{\"Code\":\"ResourceNotFoundException\"}", Map.of())));
        assertEquals(Main.API_ERROR, run("logs", "f", "--follow"));
        assertEquals("t1\tr1\tfirst\n", out());
        assertEquals(List.of("null text/plain", "since=2026-01-01T00%3A00%3A00.000001Z text/plain"), requests);
        assertTrue(err().contains("ResourceNotFoundException"), err());
    }

    @Test
    void invokeWithLogPrintsTheLogTailOnStderr() {
        String log = "START RequestId: r Version: $LATEST\nEND RequestId: r\n";
        reply = new Reply(200, "\"ok\"", Map.of(Main.LOG_RESULT_HEADER,
                Base64.getEncoder().encodeToString(log.getBytes(StandardCharsets.UTF_8))));
        assertEquals(Main.OK, run("invoke", "f", "--log"));
        assertEquals("\"ok\"\n", out());
        assertEquals(log, err());
    }

    @Test
    void deployLeavesOutWhatWasNotGiven() throws Exception {
        Path file = tmp.resolve("main.py");
        Files.writeString(file, "def handler(e, c): return e\n");
        assertEquals(Main.OK, run("deploy", "f", "--runtime", "python3", "--handler", "main.handler", "--code", file.toString()));
        String body = only().body();
        for (String absent : List.of("MemorySize", "Timeout", "Description", "Environment", "Network", "PodConcurrentQuota")) {
            assertFalse(body.contains(absent), absent + " in " + body);
        }
    }

    @Test
    void deployConcurrencyIsSentAsPodConcurrentQuota() throws Exception {
        Path file = tmp.resolve("index.js");
        Files.writeString(file, "exports.handler = async (e) => e;");

        assertEquals(Main.OK, run("deploy", "f", "--runtime", "nodejs20", "--handler", "index.handler", "--code", file.toString(),
                "--concurrency", "3"));
        assertEquals("3", field(only().body(), "PodConcurrentQuota"));
        assertEquals(Main.USAGE, run("deploy", "f", "--runtime", "nodejs20", "--handler", "index.handler", "--code", file.toString(),
                "--concurrency", "-1"));
        assertEquals(1, seen.size(), "a negative quota is refused before anything is sent");
    }

    @Test
    void deployNeedsRuntimeHandlerAndCode() {
        assertEquals(Main.USAGE, run("deploy", "f", "--handler", "h", "--code", "."));
        assertEquals(Main.USAGE, run("deploy", "f", "--runtime", "r", "--code", "."));
        assertEquals(Main.USAGE, run("deploy", "f", "--runtime", "r", "--handler", "h"));
        assertEquals(Main.USAGE, run("deploy", "--runtime", "r", "--handler", "h", "--code", "."));
        assertTrue(seen.isEmpty());
    }

    @Test
    void invokePrintsTheResult() {
        reply = new Reply(200, "{\"ok\":true}", Map.of());
        assertEquals(Main.OK, run("invoke", "hello", "--data", "{\"name\":\"ann\"}"));
        Seen s = only();
        assertEquals("POST", s.method());
        assertEquals("/v1/functions/hello/invocations", s.path());
        assertEquals("{\"name\":\"ann\"}", s.body());
        assertEquals("{\"ok\":true}\n", out());
    }

    @Test
    void invokeSendsAnEmptyObjectByDefaultAndReadsFilesAndStdin() throws Exception {
        assertEquals(Main.OK, run("invoke", "f"));
        Path event = tmp.resolve("event.json");
        Files.writeString(event, "{\"from\":\"file\"}");
        assertEquals(Main.OK, run("invoke", "f", "--data", "@" + event));
        assertEquals(Main.OK, run("invoke", "f", "--data", "@-"));
        assertEquals("{}", seen.get(0).body());
        assertEquals("{\"from\":\"file\"}", seen.get(1).body());
        assertEquals("{\"from\":\"stdin\"}", seen.get(2).body());
        assertEquals(Main.USAGE, run("invoke", "f", "--data", "@" + tmp.resolve("missing.json")));
    }

    @Test
    void functionErrorGoesToStderrWithStatus1() {
        String error = "{\"errorMessage\":\"boom\",\"errorType\":\"Error\"}";
        reply = new Reply(200, error, Map.of("X-easyfaas-Function-Error", "Unhandled"));
        assertEquals(Main.FUNCTION_ERROR, run("invoke", "f"));
        assertEquals("", out());
        assertEquals(error + "\n", err());
    }

    @Test
    void apiErrorGoesToStderrWithStatus2() {
        String error = "{\"Code\":\"ResourceNotFoundException\",\"Message\":\"Function not found: f\",\"Type\":\"User\",\"Status\":404}";
        reply = new Reply(404, error, Map.of());
        assertEquals(Main.API_ERROR, run("invoke", "f"));
        assertEquals(error + "\n", err());
        err.reset();
        assertEquals(Main.API_ERROR, run("get", "f"));
        assertEquals(error + "\n", err());
        err.reset();
        assertEquals(Main.API_ERROR, run("delete", "f"));
        assertEquals(error + "\n", err());
        assertEquals("", out());
    }

    @Test
    void listGetAndDelete() {
        reply = new Reply(200, "{\"Functions\":[]}", Map.of());
        assertEquals(Main.OK, run("list"));
        assertEquals(Main.OK, run("get", "my-fn"));
        reply = new Reply(204, "", Map.of());
        assertEquals(Main.OK, run("delete", "my-fn"));
        assertEquals("GET /v1/functions", seen.get(0).method() + " " + seen.get(0).path());
        assertEquals("GET /v1/functions/my-fn", seen.get(1).method() + " " + seen.get(1).path());
        assertEquals("DELETE /v1/functions/my-fn", seen.get(2).method() + " " + seen.get(2).path());
        assertTrue(out().endsWith("deleted my-fn\n"), out());
        assertTrue(out().startsWith("{\n  \"Functions\": []\n}\n"), out());
    }

    @Test
    void urlComesFromTheEnvironmentUnlessGiven() {
        assertEquals(Main.OK, run(Map.of("EASYFAAS_URL", url + "/"), "list"));
        assertEquals(1, seen.size());
        assertEquals(Main.UNREACHABLE, run(Map.of("EASYFAAS_URL", url), "--url", "http://127.0.0.1:" + freePort(), "list"));
        assertEquals(1, seen.size());
    }

    @Test
    void unreachableEngineIsOneClearLineAndStatus3() {
        String dead = "http://127.0.0.1:" + freePort();
        assertEquals(Main.UNREACHABLE, run(Map.of(), "list", "--url", dead));
        assertEquals("easyfaas: cannot reach the engine at " + dead + ": is `./easyfaas serve` running?\n", err());
    }

    @Test
    void helpAndUsageErrors() {
        assertEquals(Main.OK, run(Map.of(), "--help"));
        assertTrue(out().contains("usage: easyfaas"));
        assertEquals(Main.USAGE, run(Map.of()));
        assertEquals(Main.USAGE, run("frobnicate"));
        assertEquals(Main.USAGE, run(Map.of(), "list", "--url", "ftp://x"));
        assertTrue(seen.isEmpty());
    }

    @Test
    void functionNamesArePercentEncoded() throws Exception {
        assertEquals("/v1/functions/a%2Fb%20c", Main.functionPath("a/b c"));
        assertEquals("/v1/functions/my-fn_1.v2", Main.functionPath("my-fn_1.v2"));
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
