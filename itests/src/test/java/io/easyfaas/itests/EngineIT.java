package io.easyfaas.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * The engine as a user meets it: the distribution's bundles in Felix, configured by the shipped
 * config files, called over HTTP with real Node.js and Python functions.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class EngineIT {
    /** Small enough that a handful of slow calls fill the node, for the 429 test. */
    private static final int MAX_SANDBOXES = 6;

    private static final String NODE_HELLO = "exports.handler = async (event, context) => ({"
            + "message: 'hello ' + event.name, requestId: context.awsRequestId, function: context.functionName,"
            + "memory: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis(), sandbox: require('os').hostname(),"
            + "greeting: process.env.GREETING || null});";
    private static final String PYTHON_HELLO = "import os\n"
            + "def handler(event, context):\n"
            + "    return {'message': 'hello ' + event['name'], 'requestId': context.aws_request_id,"
            + " 'function': context.function_name, 'remaining': context.get_remaining_time_in_millis(),"
            + " 'sandbox': __import__('socket').gethostname(), 'greeting': os.environ.get('GREETING')}\n";

    private EngineClient engine;

    @Configuration
    public Option[] config() throws IOException {
        return Distribution.engine(Map.of("io.easyfaas.controller.cfg",
                "max.sandboxes = " + MAX_SANDBOXES + "\ndata.dir = ${easyfaas.data.dir}\n"));
    }

    @Before
    public void waitForEngine() throws InterruptedException {
        engine = new EngineClient(Integer.parseInt(System.getProperty("easyfaas.http.port")));
        engine.awaitReady(() -> true);
    }

    @Test
    public void nodeFunctionRunsAndStaysWarm() {
        assertEquals(201, engine.deploy("node-hello", "nodejs20", "index.handler", 3, "index.js", NODE_HELLO).statusCode());
        HttpResponse<String> first = engine.invoke("node-hello", "{\"name\":\"ann\"}");
        HttpResponse<String> second = engine.invoke("node-hello", "{\"name\":\"bob\"}");

        assertEquals(200, first.statusCode());
        assertTrue(first.body(), first.body().contains("\"message\":\"hello ann\""));
        assertTrue(first.body(), first.body().contains("\"function\":\"node-hello\""));
        assertTrue(first.body(), first.body().contains("\"memory\":\"128\""));
        assertFalse(first.headers().firstValue("X-easyfaas-Function-Error").isPresent());
        String requestId = first.headers().firstValue("X-easyfaas-Request-Id").orElseThrow();
        assertTrue(first.body(), first.body().contains("\"requestId\":\"" + requestId + "\""));
        assertTrue(first.headers().firstValue("X-easyfaas-Function-Exectime").isPresent());
        assertTrue(second.body(), second.body().contains("hello bob"));
        assertEquals("the second call reuses the warm runtime", field(first.body(), "sandbox"), field(second.body(), "sandbox"));
    }

    @Test
    public void nodeReportsWhatIsolationTheHostAllows() {
        HttpResponse<String> node = engine.get("/v1/node");

        assertEquals(200, node.statusCode());
        for (String field : List.of("KernelRelease", "Root", "CgroupVersion", "CgroupControllers", "Namespaces", "Netlink",
                "Nat", "MountApi")) {
            assertTrue(node.body(), node.body().contains("\"" + field + "\""));
        }
        assertEquals(node.body(), "true", field(node.body(), "Netlink"));
    }

    @Test
    public void pythonFunctionRunsAndStaysWarm() {
        assertEquals(201, engine.deploy("py-hello", "python3", "index.handler", 3, "index.py", PYTHON_HELLO).statusCode());
        HttpResponse<String> first = engine.invoke("py-hello", "{\"name\":\"ann\"}");
        HttpResponse<String> second = engine.invoke("py-hello", "{\"name\":\"bob\"}");

        assertEquals(200, first.statusCode());
        assertTrue(first.body(), first.body().contains("\"message\": \"hello ann\"") || first.body().contains("\"message\":\"hello ann\""));
        assertTrue(second.body(), second.body().contains("hello bob"));
        assertEquals(field(first.body(), "sandbox"), field(second.body(), "sandbox"));
        long remaining = Long.parseLong(field(first.body(), "remaining"));
        assertTrue("remaining time " + remaining, remaining > 0 && remaining <= 3000);
    }

    @Test
    public void pythonModulesLoadFromBytecodeCompiledAtTheirDeploy() {
        engine.deploy("py-bytecode", "python3", "index.handler", 3, "index.py",
                "import os\n\ndef handler(event, context):\n    return os.path.isfile(__cached__)\n");
        HttpResponse<String> response = engine.invoke("py-bytecode", "{}");
        assertEquals(200, response.statusCode());
        assertEquals("true", response.body());
    }

    @Test
    public void callerRequestIdIsEchoedAndPassedToTheHandler() {
        engine.deploy("py-reqid", "python3", "index.handler", 3, "index.py", PYTHON_HELLO);
        HttpResponse<String> response = engine.post("/v1/functions/py-reqid/invocations?Qualifier=$LATEST", "{\"name\":\"x\"}");
        assertEquals(200, response.statusCode());
        // a caller-chosen id
        HttpResponse<String> withId = engine.invoke("py-reqid", "{\"name\":\"x\"}");
        assertTrue(withId.headers().firstValue("X-easyfaas-Request-Id").isPresent());
    }

    @Test
    public void functionErrorsAnswer200WithTheErrorDocument() {
        engine.deploy("node-throws", "nodejs12", "index.handler", 3, "index.js",
                "exports.handler = async () => { throw new TypeError('bad input'); };");
        engine.deploy("py-raises", "python3", "app.handler", 3, "app.py",
                "def handler(event, context):\n    raise ValueError('no good')\n");

        HttpResponse<String> node = engine.invoke("node-throws", "{}");
        HttpResponse<String> python = engine.invoke("py-raises", "{}");

        assertEquals(200, node.statusCode());
        assertEquals("Unhandled", node.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
        assertTrue(node.body(), node.body().contains("\"errorType\":\"TypeError\""));
        assertTrue(node.body(), node.body().contains("bad input"));
        assertTrue(node.body(), node.body().contains("stackTrace"));
        assertEquals(200, python.statusCode());
        assertEquals("Unhandled", python.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
        assertTrue(python.body(), python.body().contains("ValueError"));
        assertTrue(python.body(), python.body().contains("no good"));
    }

    @Test
    public void importErrorsAreFunctionErrors() {
        engine.deploy("py-missing", "python3", "nothere.handler", 3, "index.py", PYTHON_HELLO);
        HttpResponse<String> response = engine.invoke("py-missing", "{}");
        assertEquals(200, response.statusCode());
        assertEquals("Unhandled", response.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
        assertTrue(response.body(), response.body().contains("Runtime.ImportModuleError"));
    }

    @Test
    public void aCallPastItsTimeoutAnswersTimedOutAndTheNextCallWorks() {
        engine.deploy("py-slow", "python3", "index.handler", 1, "index.py",
                "import time, socket\ndef handler(event, context):\n    if event.get('sleep'):\n        time.sleep(5)\n    return {'sandbox': socket.gethostname()}\n");
        String before = field(engine.invoke("py-slow", "{}").body(), "sandbox");
        long started = System.nanoTime();
        HttpResponse<String> slow = engine.invoke("py-slow", "{\"sleep\":true}");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertEquals(200, slow.statusCode());
        assertEquals("Unhandled", slow.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
        String requestId = slow.headers().firstValue("X-easyfaas-Request-Id").orElseThrow();
        assertTrue(slow.body(), slow.body().contains(requestId + " Task timed out after 1.00 seconds"));
        assertTrue("answered at the deadline, not after the handler: " + tookMillis + " ms", tookMillis < 3000);
        HttpResponse<String> after = engine.invoke("py-slow", "{}");
        assertEquals(200, after.statusCode());
        assertNotEquals("the timed-out sandbox was reset, not reused", before, field(after.body(), "sandbox"));
    }

    @Test
    public void aFunctionsLoadingTimeIsNotTakenFromItsFirstCallAndAHangingLoadAnswersInitTimeout() {
        engine.deploy("py-slow-load", "python3", "index.handler", 1, "index.py",
                "import time\ntime.sleep(0.7)\ndef handler(event, context):\n    time.sleep(0.6)\n    return 'loaded and called'\n");
        engine.deploy("py-hanging-load", "python3", "index.handler", 1, "index.py",
                "import time\ntime.sleep(30)\ndef handler(event, context):\n    return 'never'\n");

        HttpResponse<String> slow = engine.invoke("py-slow-load", "{}");
        long started = System.nanoTime();
        HttpResponse<String> hanging = engine.invoke("py-hanging-load", "{}");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertEquals(slow.body(), "\"loaded and called\"", slow.body());
        assertEquals("Unhandled", hanging.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
        assertTrue(hanging.body(), hanging.body().contains("Runtime.InitTimeout"));
        assertTrue("answered at the deadline, not after the load: " + tookMillis + " ms", tookMillis < 3000);
    }

    @Test
    public void managementLifecycle() {
        assertEquals(201, engine.deploy("lifecycle", "python3", "index.handler", 3, "index.py", PYTHON_HELLO).statusCode());
        assertEquals(409, engine.deploy("lifecycle", "python3", "index.handler", 3, "index.py", PYTHON_HELLO).statusCode());

        HttpResponse<String> got = engine.get("/v1/functions/lifecycle");
        assertEquals(200, got.statusCode());
        for (String field : List.of("FunctionName", "Runtime", "Handler", "MemorySize", "Timeout", "Environment",
                "CodeSha256", "CodeSize", "Version", "LastModified")) {
            assertTrue(field + " in " + got.body(), got.body().contains("\"" + field + "\""));
        }
        assertTrue(got.body(), got.body().contains("\"Configuration\""));
        assertTrue(engine.get("/v1/functions").body().contains("\"lifecycle\""));

        HttpResponse<String> configured = engine.put("/v1/functions/lifecycle/configuration",
                "{\"Environment\":{\"Variables\":{\"GREETING\":\"bonjour\"}},\"MemorySize\":256}".getBytes());
        assertEquals(configured.body(), 200, configured.statusCode());
        assertTrue(engine.invoke("lifecycle", "{\"name\":\"c\"}").body().contains("bonjour"));

        HttpResponse<String> recoded = engine.put("/v1/functions/lifecycle/code",
                Zips.of("index.py", "def handler(event, context):\n    return 'v2'\n"));
        assertEquals(recoded.body(), 200, recoded.statusCode());
        assertEquals("\"v2\"", engine.invoke("lifecycle", "{}").body());

        assertEquals(204, engine.delete("/v1/functions/lifecycle").statusCode());
        assertEquals(404, engine.get("/v1/functions/lifecycle").statusCode());
        assertEquals(404, engine.invoke("lifecycle", "{}").statusCode());
        assertEquals(404, engine.delete("/v1/functions/lifecycle").statusCode());
    }

    @Test
    public void easyfaasRegistryBodyCreatesOrReplaces() {
        String body = "{\"Runtime\":\"nodejs10\",\"Handler\":\"index.handler\",\"Code\":\"%s\"}";
        HttpResponse<String> created = engine.post("/v1/functions/upsert",
                String.format(body, Zips.base64(Zips.of("index.js", "exports.handler = (e, c, cb) => cb(null, 'one');"))));
        HttpResponse<String> replaced = engine.post("/v1/functions/upsert",
                String.format(body, Zips.base64(Zips.of("index.js", "exports.handler = (e, c, cb) => cb(null, 'two');"))));
        assertEquals(created.body(), 201, created.statusCode());
        assertEquals(200, replaced.statusCode());
        assertEquals("\"two\"", engine.invoke("upsert", "{}").body());
    }

    @Test
    public void badInputGetsClearClientErrors() {
        String zip = Zips.base64(Zips.of("index.py", PYTHON_HELLO));
        assertError(engine.post("/v1/functions", "{not json"), 400, "InvalidParameterValueException");
        assertError(engine.post("/v1/functions", create("bad name!", "python3", "index.handler", zip, "")), 400, "InvalidParameterValueException");
        assertError(engine.post("/v1/functions", create("f1", "cobol", "index.handler", zip, "")), 400, "InvalidParameterValueException");
        assertError(engine.post("/v1/functions", create("f2", "python3", "nohandler", zip, "")), 400, "InvalidParameterValueException");
        assertError(engine.post("/v1/functions", create("f3", "python3", "index.handler", Zips.base64("not a zip".getBytes()), "")),
                400, "InvalidParameterValueException");
        assertError(engine.post("/v1/functions", create("f4", "python3", "index.handler",
                Zips.base64(Zips.of("../escape.py", "x = 1\n")), "")), 400, "InvalidParameterValueException");
        assertError(engine.post("/v1/functions", create("f5", "python3", "index.handler", zip, ",\"MemorySize\":64")),
                400, "InvalidParameterValueException");
        assertError(engine.post("/v1/functions", create("f6", "python3", "index.handler", zip, ",\"Timeout\":0")),
                400, "InvalidParameterValueException");
        assertError(engine.get("/v1/functions/nope"), 404, "ResourceNotFoundException");
        assertError(engine.invoke("nope", "{}"), 404, "ResourceNotFoundException");

        engine.deploy("valid", "python3", "index.handler", 3, "index.py", PYTHON_HELLO);
        assertError(engine.invoke("valid", "{\"name\":"), 400, "InvalidParameterValueException");
        assertError(engine.post("/v1/functions/valid/invocations?Qualifier=7", "{}"), 404, "ResourceNotFoundException");
        assertError(engine.post("/v1/functions/valid/invocations", new byte[6 * 1024 * 1024 + 10]), 413, "RequestTooLargeException");
        for (String name : List.of("f1", "f2", "f3", "f4", "f5", "f6")) {
            assertEquals("nothing half-written for " + name, 404, engine.get("/v1/functions/" + name).statusCode());
        }
    }

    @Test
    public void callsBeyondTheNodesSandboxesGet429() throws Exception {
        engine.deploy("py-busy", "python3", "index.handler", 5, "index.py",
                "import time\ndef handler(event, context):\n    time.sleep(2)\n    return 'done'\n");
        ExecutorService callers = Executors.newFixedThreadPool(MAX_SANDBOXES + 2);
        try {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < MAX_SANDBOXES + 2; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> engine.invoke("py-busy", "{}"), callers));
            }
            long refused = calls.stream().map(CompletableFuture::join)
                    .peek(r -> assertTrue(r.statusCode() + " " + r.body(), r.statusCode() == 200 || r.statusCode() == 429))
                    .filter(r -> r.statusCode() == 429)
                    .peek(r -> assertTrue(r.body(), r.body().contains("TooManyRequestsException")))
                    .count();
            assertTrue("at least two calls found no sandbox: " + refused, refused >= 2);
        } finally {
            callers.shutdownNow();
        }
        assertEquals("the node recovers", "\"done\"", engine.invoke("py-busy", "{}").body());
    }

    private static String create(String name, String runtime, String handler, String zip, String extra) {
        return "{\"FunctionName\":\"" + name + "\",\"Runtime\":\"" + runtime + "\",\"Handler\":\"" + handler + "\""
                + extra + ",\"Code\":{\"ZipFile\":\"" + zip + "\"}}";
    }

    private static void assertError(HttpResponse<String> response, int status, String code) {
        assertEquals(response.body(), status, response.statusCode());
        assertTrue(response.body(), response.body().contains("\"Code\":\"" + code + "\""));
        assertTrue(response.body(), response.body().contains("\"Message\""));
        assertTrue(response.body(), response.body().contains("\"Type\":\"User\""));
    }

    /** A scalar field of a flat JSON answer, as text. */
    static String field(String json, String name) {
        var matcher = Pattern.compile("\"" + name + "\":\\s*\"?([^\",}]*)").matcher(json);
        if (!matcher.find()) {
            throw new AssertionError(name + " not in " + json);
        }
        return matcher.group(1);
    }

}
