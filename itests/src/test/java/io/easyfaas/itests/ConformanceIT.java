package io.easyfaas.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Handler conformance and per-call logs end to end: real zips deployed over HTTP to the
 * distribution's bundles in Felix, one test per behaviour a function author relies on.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConformanceIT {
    private static final Pattern REPORT = Pattern.compile(
            "REPORT RequestId: (\\S+)\tDuration: [0-9.]+ ms\tBilled Duration: [0-9]+ ms\tMemory Size: 128 MB\tMax Memory Used: [1-9][0-9]* MB");

    private EngineClient engine;

    @Configuration
    public Option[] config() throws IOException {
        return Distribution.engine(Map.of());
    }

    @Before
    public void waitForEngine() throws InterruptedException {
        engine = new EngineClient(Integer.parseInt(System.getProperty("easyfaas.http.port")));
        engine.awaitReady(() -> true);
    }

    // ---- Node.js ------------------------------------------------------------------------------

    @Test
    public void nodeCallbackHandler() {
        deploy("n-callback", "nodejs20", "index.handler", "index.js",
                "exports.handler = function (event, context, callback) { callback(null, { got: event.x }); };");
        assertOk("{\"got\":1}", engine.invoke("n-callback", "{\"x\":1}"));
    }

    @Test
    public void nodeAsyncHandlerAndReturnedPromise() {
        deploy("n-async", "nodejs20", "index.handler", "index.js",
                "exports.handler = async (event) => 'async';");
        deploy("n-promise", "nodejs20", "index.handler", "index.js",
                "exports.handler = (event) => new Promise((resolve) => setTimeout(() => resolve('promised'), 5));");
        assertOk("\"async\"", engine.invoke("n-async", "{}"));
        assertOk("\"promised\"", engine.invoke("n-promise", "{}"));
    }

    @Test
    public void nodeContextSucceedFailDone() {
        deploy("n-context", "nodejs20", "index.handler", "index.js",
                "exports.handler = (event, context) => {\n"
                + "  if (event.how === 'succeed') context.succeed('succeeded');\n"
                + "  else if (event.how === 'fail') context.fail(new Error('failed'));\n"
                + "  else context.done(null, 'done');\n};");
        assertOk("\"succeeded\"", engine.invoke("n-context", "{\"how\":\"succeed\"}"));
        assertOk("\"done\"", engine.invoke("n-context", "{\"how\":\"done\"}"));
        assertFunctionError("Error", "failed", engine.invoke("n-context", "{\"how\":\"fail\"}"));
    }

    @Test
    public void nodeThrownRejectedCallbackAndNonErrorFailures() {
        deploy("n-errors", "nodejs20", "index.handler", "index.js",
                "exports.handler = (event, context, callback) => {\n"
                + "  if (event.kind === 'throw') throw new TypeError('thrown');\n"
                + "  if (event.kind === 'reject') return Promise.reject(new RangeError('rejected'));\n"
                + "  if (event.kind === 'callback') return callback(new SyntaxError('called back'));\n"
                + "  throw 'a plain string';\n};");
        assertFunctionError("TypeError", "thrown", engine.invoke("n-errors", "{\"kind\":\"throw\"}"));
        assertFunctionError("RangeError", "rejected", engine.invoke("n-errors", "{\"kind\":\"reject\"}"));
        assertFunctionError("SyntaxError", "called back", engine.invoke("n-errors", "{\"kind\":\"callback\"}"));
        assertFunctionError("Error", "a plain string", engine.invoke("n-errors", "{\"kind\":\"string\"}"));
    }

    @Test
    public void nodeCallbackWaitsForTheEmptyEventLoopUnlessToldNotTo() {
        deploy("n-eventloop", "nodejs20", "index.handler", "index.js",
                "exports.handler = (event, context, callback) => {\n"
                + "  context.callbackWaitsForEmptyEventLoop = event.wait;\n"
                + "  setTimeout(() => console.log('timer ran'), 50);\n"
                + "  callback(null, 'answered');\n};");
        HttpResponse<String> waits = engine.invoke("n-eventloop", "{\"wait\":true}", "Log-Type", "Tail");
        assertOk("\"answered\"", waits);
        assertTrue(tail(waits), tail(waits).contains("\ttimer ran\n"));
        HttpResponse<String> doesNot = engine.invoke("n-eventloop", "{\"wait\":false}", "Log-Type", "Tail");
        assertOk("\"answered\"", doesNot);
        assertFalse(tail(doesNot), tail(doesNot).contains("timer ran"));
    }

    @Test
    public void nodeHandlerInASubfolder() {
        deploy("n-subfolder", "nodejs20", "src/app.handler", "src/app.js", "exports.handler = async () => 'from src';");
        assertOk("\"from src\"", engine.invoke("n-subfolder", "{}"));
    }

    @Test
    public void nodeEsModule() {
        deploy("n-esm", "nodejs20", "index.handler", "index.mjs",
                "import { twice } from './lib/twice.mjs';\nexport const handler = async (e) => twice(e.x);",
                "lib/twice.mjs", "export const twice = (x) => 2 * x;");
        assertOk("6", engine.invoke("n-esm", "{\"x\":3}"));
    }

    @Test
    public void nodeModulesInsideTheZip() {
        deploy("n-modules", "nodejs20", "index.handler", "index.js",
                "const greet = require('greeter');\nexports.handler = async (e) => greet(e.who);",
                "node_modules/greeter/package.json", "{\"name\":\"greeter\",\"main\":\"main.js\"}",
                "node_modules/greeter/main.js", "module.exports = (who) => 'hello ' + who;");
        assertOk("\"hello you\"", engine.invoke("n-modules", "{\"who\":\"you\"}"));
    }

    // ---- Python -------------------------------------------------------------------------------

    @Test
    public void pythonHandlerReturnsAnyJsonValue() {
        deploy("p-values", "python3", "index.handler", "index.py", "def handler(event, context):\n    return event['value']\n");
        assertOk("[1, \"two\", null]", engine.invoke("p-values", "{\"value\":[1,\"two\",null]}"));
        assertOk("\"text\"", engine.invoke("p-values", "{\"value\":\"text\"}"));
        assertOk("2.5", engine.invoke("p-values", "{\"value\":2.5}"));
    }

    @Test
    public void pythonExceptionHasItsTypeAndTraceback() {
        deploy("p-raises", "python3", "index.handler", "index.py",
                "def helper():\n    raise KeyError('missing')\n\ndef handler(event, context):\n    helper()\n");
        HttpResponse<String> response = engine.invoke("p-raises", "{}");
        assertFunctionError("KeyError", "'missing'", response);
        assertTrue(response.body(), response.body().contains("in helper"));
    }

    @Test
    public void pythonPackagesAndRelativeImports() {
        deploy("p-package", "python3", "pkg/mod.handler", "pkg/__init__.py", "",
                "pkg/mod.py", "from .util import twice\n\ndef handler(event, context):\n    return twice(event['x'])\n",
                "pkg/util.py", "def twice(x):\n    return 2 * x\n");
        assertOk("8", engine.invoke("p-package", "{\"x\":4}"));
    }

    @Test
    public void pythonModuleCodeRunsOncePerSandbox() {
        deploy("p-once", "python3", "index.handler", "index.py",
                "import os\nloads = int(os.environ.get('LOADS', '0')) + 1\nos.environ['LOADS'] = str(loads)\ncalls = 0\n\n"
                + "def handler(event, context):\n    global calls\n    calls += 1\n    return [loads, calls]\n");
        assertOk("[1, 1]", engine.invoke("p-once", "{}"));
        assertOk("[1, 2]", engine.invoke("p-once", "{}"));
    }

    @Test
    public void pythonUserModuleNamedJsonIsTheUsers() {
        deploy("p-json", "python3", "index.handler", "json.py", "WHO = 'my json'\n",
                "index.py", "import json\n\ndef handler(event, context):\n    return json.WHO\n");
        assertOk("\"my json\"", engine.invoke("p-json", "{}"));
    }

    // ---- both ---------------------------------------------------------------------------------

    @Test
    public void initAndSyntaxErrorsAnswerClearFunctionErrors() {
        deploy("n-nomodule", "nodejs20", "missing.handler", "index.js", "exports.handler = async () => 1;");
        deploy("n-nohandler", "nodejs20", "index.nothere", "index.js", "exports.handler = async () => 1;");
        deploy("n-syntax", "nodejs20", "index.handler", "index.js", "exports.handler = async () => {;");
        deploy("p-nomodule", "python3", "index.handler", "index.py", "import not_installed_anywhere\n");
        deploy("p-nohandler", "python3", "index.nothere", "index.py", "def handler(event, context):\n    return 1\n");
        deploy("p-syntax", "python3", "index.handler", "index.py", "def handler(event, context)\n    return 1\n");
        for (String runtime : List.of("n", "p")) {
            assertFunctionError("Runtime.ImportModuleError", null, engine.invoke(runtime + "-nomodule", "{}"));
            assertFunctionError("Runtime.HandlerNotFound", null, engine.invoke(runtime + "-nohandler", "{}"));
            assertFunctionError("Runtime.UserCodeSyntaxError", null, engine.invoke(runtime + "-syntax", "{}"));
        }
    }

    @Test
    public void exitInsideACallAnswersAnErrorAndTheSandboxIsReborn() {
        deploy("n-exit", "nodejs20", "index.handler", "index.js",
                "exports.handler = async (e) => { if (e.exit) process.exit(1); return require('os').hostname(); };");
        deploy("p-exit", "python3", "index.handler", "index.py",
                "import os, socket\n\ndef handler(event, context):\n    if event.get('exit'):\n        os._exit(1)\n    return socket.gethostname()\n");
        for (String function : List.of("n-exit", "p-exit")) {
            String sandbox = engine.invoke(function, "{}").body();
            assertFunctionError("Runtime.ExitError", null, engine.invoke(function, "{\"exit\":true}"));
            HttpResponse<String> after = engine.invoke(function, "{}");
            assertEquals(200, after.statusCode());
            assertFalse(after.body(), after.headers().firstValue("X-easyfaas-Function-Error").isPresent());
            assertNotEquals("a new runtime", sandbox, after.body());
        }
    }

    @Test
    public void resultsThatCannotBeSerialisedAnswerAnError() {
        deploy("n-cycle", "nodejs20", "index.handler", "index.js", "exports.handler = async () => { const a = {}; a.a = a; return a; };");
        deploy("p-set", "python3", "index.handler", "index.py", "def handler(event, context):\n    return {1, 2}\n");
        assertFunctionError("Runtime.SerializationError", null, engine.invoke("n-cycle", "{}"));
        assertFunctionError("Runtime.SerializationError", null, engine.invoke("p-set", "{}"));
    }

    @Test
    public void sixMegabyteEventsAndResults() {
        deploy("n-big", "nodejs20", "index.handler", "index.js", "exports.handler = async (e) => e.data + e.data.slice(0, 16);");
        deploy("p-big", "python3", "index.handler", "index.py", "def handler(event, context):\n    return event['data'] + event['data'][:16]\n");
        String data = "x".repeat(6 * 1024 * 1024 - 64);
        for (String function : List.of("n-big", "p-big")) {
            HttpResponse<String> response = engine.invoke(function, "{\"data\":\"" + data + "\"}");
            assertEquals(200, response.statusCode());
            assertFalse(response.headers().firstValue("X-easyfaas-Function-Error").isPresent());
            assertEquals(data.length() + 16 + 2, response.body().length());
        }
    }

    @Test
    public void unicodeAndBinarySafeStrings() {
        deploy("n-unicode", "nodejs20", "index.handler", "index.js", "exports.handler = async (e) => e;");
        deploy("p-unicode", "python3", "index.handler", "index.py", "def handler(event, context):\n    return event\n");
        String event = "{\"text\":\"héllo ✓ 日本 😀 nul:\\u0000 lone:\\ud800\"}";
        for (String function : List.of("n-unicode", "p-unicode")) {
            HttpResponse<String> response = engine.invoke(function, event);
            assertEquals(200, response.statusCode());
            String body = response.body().replace(": ", ":");
            assertTrue(body, body.contains("héllo ✓ 日本 😀 nul:\\u0000 lone:\\ud800"));
        }
    }

    @Test
    public void environmentVariablesAreTheProcessEnvironment() {
        for (String[] function : List.of(
                new String[] {"n-env", "nodejs20", "index.js", "exports.handler = async () => process.env.GREETING;"},
                new String[] {"p-env", "python3", "index.py", "import os\n\ndef handler(event, context):\n    return os.environ['GREETING']\n"})) {
            assertEquals(201, engine.post("/v1/functions", "{\"FunctionName\":\"" + function[0] + "\",\"Runtime\":\"" + function[1]
                    + "\",\"Handler\":\"index.handler\",\"Environment\":{\"Variables\":{\"GREETING\":\"hi there\"}}"
                    + ",\"Code\":{\"ZipFile\":\"" + Zips.base64(Zips.of(function[2], function[3])) + "\"}}").statusCode());
            assertOk("\"hi there\"", engine.invoke(function[0], "{}"));
        }
    }

    @Test
    public void aCallsOutputStaysWithThatCall() {
        deploy("n-output", "nodejs20", "index.handler", "index.js",
                "const sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n"
                + "exports.handler = async (e) => { for (let i = 0; i < 5; i++) { console.log(e.name + ' ' + i); await sleep(10); } return e.name; };");
        deploy("p-output", "python3", "index.handler", "index.py",
                "import time\n\ndef handler(event, context):\n    for i in range(5):\n        print(event['name'], i)\n        time.sleep(0.01)\n    return event['name']\n");
        for (String function : List.of("n-output", "p-output")) {
            CompletableFuture<HttpResponse<String>> one = CompletableFuture.supplyAsync(
                    () -> engine.invoke(function, "{\"name\":\"one\"}", "Log-Type", "Tail"));
            CompletableFuture<HttpResponse<String>> two = CompletableFuture.supplyAsync(
                    () -> engine.invoke(function, "{\"name\":\"two\"}", "Log-Type", "Tail"));
            for (String[] call : List.of(new String[] {"one", tail(one.join())}, new String[] {"two", tail(two.join())})) {
                String log = call[1];
                for (int i = 0; i < 5; i++) {
                    assertTrue(log, log.contains("\t" + call[0] + " " + i + "\n"));
                }
                assertFalse(log, log.contains(call[0].equals("one") ? "two " : "one "));
            }
        }
    }

    // ---- logs ---------------------------------------------------------------------------------

    @Test
    public void logTypeTailReturnsStartUserLinesEndAndReport() {
        deploy("n-tail", "nodejs20", "index.handler", "index.js",
                "exports.handler = async () => { console.log('from the handler'); console.error('to stderr'); return 1; };");
        HttpResponse<String> response = engine.invoke("n-tail", "{}", "Log-Type", "Tail");
        assertOk("1", response);
        String id = response.headers().firstValue("X-easyfaas-Request-Id").orElseThrow();
        assertEquals(response.headers().firstValue("X-easyfaas-Log-Result"), response.headers().firstValue("X-Bce-Log-Result"));
        String[] lines = tail(response).split("\n");
        assertEquals(5, lines.length);
        assertEquals("START RequestId: " + id + " Version: $LATEST", lines[0]);
        assertTrue(lines[1], lines[1].matches("\\S+Z\t" + Pattern.quote(id) + "\tfrom the handler"));
        assertTrue(lines[2], lines[2].endsWith("\t" + id + "\tto stderr"));
        assertEquals("END RequestId: " + id, lines[3]);
        Matcher report = REPORT.matcher(lines[4]);
        assertTrue(lines[4], report.matches());
        assertEquals(id, report.group(1));

        HttpResponse<String> byQuery = engine.post("/v1/functions/n-tail/invocations?logType=Tail", "{}");
        assertTrue(tail(byQuery).startsWith("START RequestId: "));
        assertFalse("no log unless asked", engine.invoke("n-tail", "{}").headers().firstValue("X-easyfaas-Log-Result").isPresent());
    }

    @Test
    public void logToBodyAnswersErrorLogAndPayload() {
        deploy("p-body", "python3", "index.handler", "index.py",
                "def handler(event, context):\n    print('about to fail')\n    raise ValueError('bad')\n");
        HttpResponse<String> response = engine.invoke("p-body", "{}", "Log-To-Body", "true");
        assertEquals(200, response.statusCode());
        String body = response.body();
        assertTrue(body, body.startsWith("{\"FunctionError\":\"Unhandled\",\"LogResult\":\"START RequestId: "));
        assertTrue(body, body.contains("\\tabout to fail\\nEND RequestId: "));
        assertTrue(body, body.contains("\"Payload\":\"{\\\"errorMessage\\\": \\\"bad\\\""));
    }

    @Test
    public void logsEndpointFiltersByRequestIdTimeAndLimit() {
        deploy("p-logs", "python3", "index.handler", "index.py", "def handler(event, context):\n    print('call', event['n'])\n    return 1\n");
        long before = System.currentTimeMillis();
        List<String> ids = new ArrayList<>();
        for (int n = 0; n < 3; n++) {
            ids.add(engine.invoke("p-logs", "{\"n\":" + n + "}").headers().firstValue("X-easyfaas-Request-Id").orElseThrow());
        }
        String all = engine.get("/v1/functions/p-logs/logs?since=" + before).body();
        for (int n = 0; n < 3; n++) {
            assertTrue(all, all.contains("\"RequestId\":\"" + ids.get(n) + "\",\"Message\":\"call " + n + "\""));
        }
        String one = engine.get("/v1/functions/p-logs/logs?requestId=" + ids.get(1)).body();
        assertEquals(one, 4, count(one, "\"RequestId\":\"" + ids.get(1) + "\""));
        assertEquals(one, 4, count(one, "\"RequestId\""));
        assertTrue(one, one.contains("\"Message\":\"START RequestId: " + ids.get(1) + " Version: $LATEST\""));
        String limited = engine.get("/v1/functions/p-logs/logs?limit=2").body();
        assertEquals(limited, 2, count(limited, "\"RequestId\""));
        assertTrue("the newest two", limited.contains("\"Message\":\"END RequestId: " + ids.get(2) + "\""));
        assertEquals(0, count(engine.get("/v1/functions/p-logs/logs?until=" + before).body(), "\"RequestId\""));

        HttpResponse<String> text = engine.get("/v1/functions/p-logs/logs?limit=1", "Accept", "text/plain");
        assertTrue(text.body(), text.body().matches("\\S+Z\t" + Pattern.quote(ids.get(2)) + "\tREPORT RequestId: [^\n]+\n"));
        String next = text.headers().firstValue("X-easyfaas-Log-Next-Since").orElseThrow();
        assertEquals("nothing after the newest line", "",
                engine.get("/v1/functions/p-logs/logs?since=" + next, "Accept", "text/plain").body());

        assertEquals(404, engine.get("/v1/functions/no-such-function/logs").statusCode());
        assertEquals(400, engine.get("/v1/functions/p-logs/logs?since=yesterday").statusCode());
        assertEquals(400, engine.get("/v1/functions/p-logs/logs?limit=0").statusCode());
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void deploy(String name, String runtime, String handler, String... files) {
        HttpResponse<String> response = engine.deploy(name, runtime, handler, 5, files);
        assertEquals(response.body(), 201, response.statusCode());
    }

    private static void assertOk(String expectedBody, HttpResponse<String> response) {
        assertEquals(response.body(), 200, response.statusCode());
        assertFalse(response.body(), response.headers().firstValue("X-easyfaas-Function-Error").isPresent());
        assertEquals(expectedBody, response.body());
    }

    /** A function error: 200, the Unhandled header, and the error document's type and message. */
    private static void assertFunctionError(String type, String message, HttpResponse<String> response) {
        assertEquals(response.body(), 200, response.statusCode());
        assertEquals(response.body(), "Unhandled", response.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
        assertEquals(response.body(), type, field(response.body(), "errorType"));
        if (message != null) {
            assertEquals(response.body(), message, field(response.body(), "errorMessage"));
        }
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1).replace("\\\"", "\"") : null;
    }

    private static String tail(HttpResponse<String> response) {
        String encoded = response.headers().firstValue("X-easyfaas-Log-Result").orElseThrow(() -> new AssertionError("no log tail"));
        return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
