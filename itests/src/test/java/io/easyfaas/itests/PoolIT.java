package io.easyfaas.itests;

import static io.easyfaas.itests.EngineClient.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * The controller's pool as a user sees it over HTTP, with short timings: stem cells, warm reuse,
 * cooldown to zero, reborn, removal of a runtime plugin, queueing and 429, per-sandbox
 * concurrency (the engine's, changed while it runs, and a function's own), redeploys under load and event invocations with
 * retries. The engine runs real Node.js
 * and Python runtimes; sandboxes are observed through /v1/runtimes and /metrics.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PoolIT {
    private static final int MAX_PER_FUNCTION = 2;
    private static final int QUEUE_SIZE = 2;
    private static final int IDLE_TIMEOUT_SECONDS = 6;
    private static final int RETENTION_SECONDS = 3;

    /**
     * Sleeps when asked, and reports which runtime ran it (an id drawn when the runtime loads the
     * module: a pid would not do, runtimes may each be pid 1 in their own namespace) and how many
     * of its calls ran at once.
     */
    private static final String NODE_SLEEPER = "const instance = require('crypto').randomUUID();\nlet active = 0;\n"
            + "exports.handler = async (event) => {\n"
            + "  active++; const seen = active;\n"
            + "  await new Promise(r => setTimeout(r, event.sleep || 0));\n"
            + "  active--;\n"
            + "  return {instance: instance, seen: seen, version: 'v1'};\n"
            + "};\n";

    @Inject
    private BundleContext bundleContext;
    private EngineClient engine;

    @Configuration
    public Option[] config() throws IOException {
        return Distribution.engine(Map.of("io.easyfaas.controller.cfg", controllerConfig(1)));
    }

    /** The controller's configuration for these tests; only the per-sandbox quota varies. */
    private static String controllerConfig(int sandboxQuota) {
        return String.join("\n",
                "data.dir = ${easyfaas.data.dir}",
                "max.sandboxes = 16",
                "stem.cells.per.runtime = 1",
                "sandbox.concurrent.quota = " + sandboxQuota,
                "max.sandboxes.per.function = " + MAX_PER_FUNCTION,
                "queue.size = " + QUEUE_SIZE,
                "queue.max.wait.millis = 8000",
                "idle.timeout.seconds = " + IDLE_TIMEOUT_SECONDS,
                "sweep.interval.seconds = 1",
                "health.check.interval.seconds = 1",
                "health.check.timeout.millis = 1000",
                "async.retry.base.delay.millis = 100",
                "async.retention.seconds = " + RETENTION_SECONDS,
                "");
    }

    /** Changes the controller's configuration while the engine runs, as an operator would. */
    private static void reconfigure(int sandboxQuota) throws IOException {
        Files.writeString(Path.of(System.getProperty("felix.fileinstall.dir")).resolve("io.easyfaas.controller.cfg"),
                controllerConfig(sandboxQuota));
    }

    @Before
    public void waitForEngine() throws InterruptedException {
        engine = new EngineClient(Integer.parseInt(System.getProperty("easyfaas.http.port")));
        engine.awaitReady(() -> true);
    }

    @Test
    public void coldThenWarmThenCooledDownToZero() throws Exception {
        engine.deploy("py-cool", "python3", "index.handler", 3, "index.py",
                "import uuid\nINSTANCE = uuid.uuid4().hex\ndef handler(event, context):\n    return {'instance': INSTANCE}\n");
        String first = field(engine.invoke("py-cool", "{}").body(), "instance");
        String second = field(engine.invoke("py-cool", "{}").body(), "instance");

        assertEquals("the second call reuses the warm sandbox", first, second);
        List<String> sandboxes = sandboxesOf("py-cool");
        assertEquals(sandboxes.toString(), 1, sandboxes.size());
        assertEquals("warm", field(sandboxes.get(0), "State"));
        assertEquals("2", field(sandboxes.get(0), "CallsServed"));
        awaitTrue("py-cool scaled to zero", () -> sandboxesOf("py-cool").isEmpty(), IDLE_TIMEOUT_SECONDS + 10);
        assertNotEquals("after cooldown a new runtime serves", first, field(engine.invoke("py-cool", "{}").body(), "instance"));
    }

    @Test
    public void aFirstCallSpecialisesAReadyStemCellKeptForEveryNameOfItsInterpreter() throws Exception {
        awaitTrue("a nodejs20 stem cell is ready", () -> !stemCells("nodejs20").isEmpty(), 20);
        Thread.sleep(300); // a stem cell per runtime name would be starting by now
        assertEquals("nodejs10, nodejs12 and nodejs20 run one node: they share one stem cell", List.of(),
                sandboxes().stream().filter(s -> s.contains("\"State\":\"stem\"") && s.contains("\"Runtime\":\"nodejs1")).toList());
        assertEquals(1, stemCells("nodejs20").size());
        String stemId = field(stemCells("nodejs20").get(0), "Id");
        long stemWarmupsBefore = metric("easyfaas_cold_starts_total{kind=\"stem_cell\"}");
        engine.deploy("node-stem", "nodejs12", "index.handler", 3, "index.js", NODE_SLEEPER);

        HttpResponse<String> response = engine.invoke("node-stem", "{}");

        assertEquals(response.body(), 200, response.statusCode());
        List<String> sandboxes = sandboxesOf("node-stem");
        assertEquals(sandboxes.toString(), 1, sandboxes.size());
        assertEquals("the stem cell became the function's sandbox", stemId, field(sandboxes.get(0), "Id"));
        assertEquals("nodejs12", field(sandboxes.get(0), "Runtime"));
        assertEquals(stemWarmupsBefore + 1, metric("easyfaas_cold_starts_total{kind=\"stem_cell\"}"));
        awaitTrue("the stem cell is replaced", () -> stemCells("nodejs20").stream()
                .noneMatch(s -> field(s, "Id").equals(stemId)) && !stemCells("nodejs20").isEmpty(), 20);
    }

    @Test
    public void aKilledRuntimeIsRebornAndItsCallInFlightAnswersExitError() throws Exception {
        engine.deploy("node-reborn", "nodejs20", "index.handler", 10, "index.js", NODE_SLEEPER);
        String instance = field(engine.invoke("node-reborn", "{}").body(), "instance");
        String sandboxId = field(sandboxesOf("node-reborn").get(0), "Id");
        long pid = Long.parseLong(field(sandboxesOf("node-reborn").get(0), "Pid"));
        long diedBefore = metric("easyfaas_sandboxes_retired_total{reason=\"died\"}");

        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(
                () -> engine.invoke("node-reborn", "{\"sleep\":5000}"));
        awaitTrue("the call is running", () -> field(sandboxesOf("node-reborn").get(0), "State").equals("busy"), 10);
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        HttpResponse<String> died = inFlight.get(10, TimeUnit.SECONDS);

        assertEquals(200, died.statusCode());
        assertEquals("Unhandled", died.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
        assertTrue(died.body(), died.body().contains("Runtime.ExitError"));
        assertTrue("the dead sandbox left the pool", sandboxesOf("node-reborn").stream().noneMatch(s -> field(s, "Id").equals(sandboxId)));
        HttpResponse<String> after = engine.invoke("node-reborn", "{}");
        assertEquals(after.body(), 200, after.statusCode());
        assertNotEquals("a new runtime serves", instance, field(after.body(), "instance"));
        assertEquals(diedBefore + 1, metric("easyfaas_sandboxes_retired_total{reason=\"died\"}"));
    }

    @Test
    public void aRuntimeStuckBetweenCallsIsReplacedBeforeItIsGivenAnother() throws Exception {
        engine.deploy("node-stuck", "nodejs20", "index.handler", 3, "index.js",
                "const instance = Math.random().toString(36).slice(2);\n"
                + "exports.handler = async (event) => {\n"
                + "  if (event.stick) setImmediate(() => { const end = Date.now() + 60000; while (Date.now() < end) {} });\n"
                + "  return {instance: instance};\n};\n");
        engine.invoke("node-stuck", "{}");
        String sandboxId = field(sandboxesOf("node-stuck").get(0), "Id");
        long unresponsiveBefore = metric("easyfaas_sandboxes_retired_total{reason=\"unresponsive\"}");
        long started = System.nanoTime();
        String stuck = field(engine.invoke("node-stuck", "{\"stick\":true}").body(), "instance");

        awaitTrue("the stuck sandbox is replaced", () -> sandboxesOf("node-stuck").stream()
                .noneMatch(s -> field(s, "Id").equals(sandboxId)), 20);
        assertTrue("by its health check (1 s idle, 1 s to answer), not by the cooldown after "
                + IDLE_TIMEOUT_SECONDS + " s idle", System.nanoTime() - started < TimeUnit.SECONDS.toNanos(IDLE_TIMEOUT_SECONDS - 1));
        HttpResponse<String> after = engine.invoke("node-stuck", "{}");
        assertEquals(after.body(), 200, after.statusCode());
        assertNotEquals("a new runtime serves the next call", stuck, field(after.body(), "instance"));
        assertEquals(unresponsiveBefore + 1, metric("easyfaas_sandboxes_retired_total{reason=\"unresponsive\"}"));
    }

    @Test
    public void removingARuntimePluginDestroysItsStemCellsAndDrainsItsSandboxes() throws Exception {
        engine.deploy("py-unplugged", "python3", "index.handler", 10, "index.py",
                "import time\ndef handler(event, context):\n    time.sleep(event.get('sleep', 0))\n    return 'done'\n");
        engine.invoke("py-unplugged", "{}");
        awaitTrue("a python3 stem cell is ready", () -> !stemCells("python3").isEmpty(), 20);
        Bundle plugin = Stream.of(bundleContext.getBundles())
                .filter(b -> b.getSymbolicName().equals("io.easyfaas.runtime.python3")).findFirst().orElseThrow();
        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(
                () -> engine.invoke("py-unplugged", "{\"sleep\":2}"));
        awaitTrue("the call is running", () -> sandboxesOf("py-unplugged").stream().anyMatch(s -> s.contains("\"State\":\"busy\"")), 10);
        plugin.stop();
        try {
            awaitTrue("the python3 stem cell is destroyed", () -> stemCells("python3").isEmpty(), 10);
            awaitTrue("the draining sandbox takes no new call", () -> sandboxesOf("py-unplugged").stream()
                    .allMatch(s -> s.contains("\"State\":\"cooling\"")), 10);
            HttpResponse<String> finished = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals("the call in flight finishes", "\"done\"", finished.body());
            awaitTrue("the drained sandbox is gone", () -> sandboxesOf("py-unplugged").isEmpty(), 10);
            HttpResponse<String> refused = engine.invoke("py-unplugged", "{}");
            assertEquals(refused.body(), 400, refused.statusCode());
            assertTrue(refused.body(), refused.body().contains("not installed"));
        } finally {
            plugin.start();
        }
        awaitTrue("python3 is back with a stem cell", () -> !stemCells("python3").isEmpty(), 20);
        assertEquals("\"done\"", engine.invoke("py-unplugged", "{}").body());
    }

    @Test
    public void callsPastTheFunctionsSandboxesQueueAndPastTheQueueGet429() throws Exception {
        engine.deploy("py-queue", "python3", "index.handler", 10, "index.py",
                "import time\ndef handler(event, context):\n    time.sleep(1.5)\n    return 'done'\n");
        long throttledBefore = metric("easyfaas_invocations_total{function=\"py-queue\",outcome=\"throttled\"}");
        int calls = MAX_PER_FUNCTION + QUEUE_SIZE + 2;
        ExecutorService callers = Executors.newFixedThreadPool(calls);
        try {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                responses.add(CompletableFuture.supplyAsync(() -> engine.invoke("py-queue", "{}"), callers));
            }
            awaitTrue("two calls wait in the queue", () -> metric("easyfaas_queue_depth{function=\"py-queue\"}") == QUEUE_SIZE, 10);
            List<HttpResponse<String>> answered = responses.stream().map(CompletableFuture::join).toList();

            long served = answered.stream().filter(r -> r.statusCode() == 200 && r.body().equals("\"done\"")).count();
            List<HttpResponse<String>> refused = answered.stream().filter(r -> r.statusCode() == 429).toList();
            assertEquals("the running and the queued calls are served", MAX_PER_FUNCTION + QUEUE_SIZE, served);
            assertEquals(2, refused.size());
            refused.forEach(r -> assertTrue(r.body(), r.body().contains("\"Code\":\"TooManyRequestsException\"")));
        } finally {
            callers.shutdownNow();
        }
        assertEquals(MAX_PER_FUNCTION, sandboxesOf("py-queue").size());
        assertEquals(throttledBefore + 2, metric("easyfaas_invocations_total{function=\"py-queue\",outcome=\"throttled\"}"));
    }

    @Test
    public void aSandboxTakesOneCallAtATimeUnlessItsQuotaIsRaisedWhileTheEngineRuns() throws Exception {
        engine.deploy("node-quota", "nodejs20", "index.handler", 10, "index.js", NODE_SLEEPER);
        engine.invoke("node-quota", "{}");
        List<HttpResponse<String>> serial = concurrently("node-quota", "{\"sleep\":1000}", 2);
        serial.forEach(r -> assertEquals(r.body(), "1", field(r.body(), "seen")));
        assertNotEquals("quota 1: two sandboxes", field(serial.get(0).body(), "instance"), field(serial.get(1).body(), "instance"));

        List<String> before = sandboxesOf("node-quota").stream().map(s -> field(s, "Id")).toList();
        reconfigure(3);
        try {
            awaitTrue("the new quota applies", () -> {
                List<HttpResponse<String>> shared = concurrently("node-quota", "{\"sleep\":1000}", 3);
                return shared.stream().map(r -> field(r.body(), "instance")).distinct().count() == 1
                        && shared.stream().anyMatch(r -> field(r.body(), "seen").equals("3"));
            }, 20);
            assertTrue("applied in place: the pool and its warm sandboxes stayed",
                    sandboxesOf("node-quota").stream().map(s -> field(s, "Id")).anyMatch(before::contains));
        } finally {
            reconfigure(1);
        }
    }

    @Test
    public void aFunctionsOwnPodConcurrentQuotaLetsOneSandboxServeOverlappingCalls() throws Exception {
        // the engine's sandbox.concurrent.quota stays 1: the function's field alone raises it
        HttpResponse<String> deployed = engine.deploy("node-pod-quota", "nodejs20", "index.handler", 10,
                Map.of("PodConcurrentQuota", 3), "index.js", NODE_SLEEPER);
        assertEquals(deployed.body(), 201, deployed.statusCode());
        assertEquals("3", field(engine.get("/v1/functions/node-pod-quota").body(), "PodConcurrentQuota"));
        engine.invoke("node-pod-quota", "{}");

        List<HttpResponse<String>> shared = concurrently("node-pod-quota", "{\"sleep\":1000}", 3);

        assertEquals("one sandbox served all three", 1, shared.stream().map(r -> field(r.body(), "instance")).distinct().count());
        assertTrue("the three calls overlapped", shared.stream().anyMatch(r -> field(r.body(), "seen").equals("3")));
        assertEquals(sandboxesOf("node-pod-quota").toString(), 1, sandboxesOf("node-pod-quota").size());
    }

    @Test
    public void aRedeployUnderLoadLosesNoCall() throws Exception {
        engine.deploy("node-redeploy", "nodejs20", "index.handler", 10, "index.js", NODE_SLEEPER);
        String oldSha = field(engine.get("/v1/functions/node-redeploy").body(), "CodeSha256");
        AtomicBoolean redeployed = new AtomicBoolean();
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<CompletableFuture<List<HttpResponse<String>>>> loops = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                loops.add(CompletableFuture.supplyAsync(() -> {
                    List<HttpResponse<String>> answers = new ArrayList<>();
                    int afterRedeploy = 0;
                    while (afterRedeploy < 10) {
                        answers.add(engine.invoke("node-redeploy", "{\"sleep\":50}"));
                        afterRedeploy += redeployed.get() ? 1 : 0;
                    }
                    return answers;
                }, callers));
            }
            Thread.sleep(1000);
            HttpResponse<String> recoded = engine.put("/v1/functions/node-redeploy/code",
                    Zips.of("index.js", NODE_SLEEPER.replace("'v1'", "'v2'")));
            assertEquals(recoded.body(), 200, recoded.statusCode());
            redeployed.set(true);
            for (CompletableFuture<List<HttpResponse<String>>> loop : loops) {
                List<HttpResponse<String>> answers = loop.get(60, TimeUnit.SECONDS);
                answers.forEach(r -> assertEquals(r.body(), 200, r.statusCode()));
                answers.forEach(r -> assertTrue(r.body(), r.headers().firstValue("X-easyfaas-Function-Error").isEmpty()));
                assertEquals("v1", field(answers.get(0).body(), "version"));
                assertEquals("v2", field(answers.get(answers.size() - 1).body(), "version"));
            }
        } finally {
            callers.shutdownNow();
        }
        awaitTrue("the old revision's sandboxes are gone", () -> sandboxesOf("node-redeploy").stream()
                .noneMatch(s -> s.contains(oldSha)), 10);
    }

    @Test
    public void anEventInvocationIsAnswered202ThenSucceeds() throws Exception {
        engine.deploy("py-event", "python3", "index.handler", 3, "index.py",
                "def handler(event, context):\n    return {'hello': event['name']}\n");

        HttpResponse<String> accepted = engine.post("/v1/functions/py-event/invocations", "{\"name\":\"ada\"}",
                "X-easyfaas-Invoke-Type", "event");

        assertEquals(accepted.body(), 202, accepted.statusCode());
        String requestId = accepted.headers().firstValue("X-easyfaas-Request-Id").orElseThrow();
        assertEquals(requestId, field(accepted.body(), "RequestId"));
        String finalStatus = awaitStatus(requestId);
        assertEquals(finalStatus, "succeeded", field(finalStatus, "Status"));
        assertEquals("1", field(finalStatus, "Attempts"));
        assertTrue(finalStatus, finalStatus.contains("\"Result\":{\"hello\":\"ada\"}"));
        awaitTrue("the finished record is pruned after the retention",
                () -> engine.get("/v1/invocations/" + requestId).statusCode() == 404, RETENTION_SECONDS * 3 + 5);
        HttpResponse<String> unknown = engine.get("/v1/invocations/no-such-request");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body(), unknown.body().contains("ResourceNotFoundException"));
        assertEquals(404, engine.post("/v1/functions/nope/invocations", "{}", "X-easyfaas-Invoke-Type", "event").statusCode());
        HttpResponse<String> badId = engine.post("/v1/functions/py-event/invocations", "{\"name\":\"x\"}",
                "X-easyfaas-Invoke-Type", "event", "X-easyfaas-Request-Id", "../escape");
        assertEquals(badId.body(), 400, badId.statusCode());
        HttpResponse<String> reused = engine.post("/v1/functions/py-event/invocations", "{\"name\":\"x\"}",
                "X-easyfaas-Invoke-Type", "event", "X-easyfaas-Request-Id", "used-once");
        assertEquals(reused.body(), 202, reused.statusCode());
        HttpResponse<String> again = engine.post("/v1/functions/py-event/invocations", "{\"name\":\"x\"}",
                "X-easyfaas-Invoke-Type", "event", "X-easyfaas-Request-Id", "used-once");
        assertEquals(again.body(), 409, again.statusCode());
    }

    @Test
    public void aFailingEventInvocationIsRetriedExactlyTwice() throws Exception {
        engine.deploy("py-event-fails", "python3", "index.handler", 3, "index.py",
                "def handler(event, context):\n    raise RuntimeError('always')\n");

        HttpResponse<String> accepted = engine.post("/v1/functions/py-event-fails/invocations", "{}",
                "X-easyfaas-Invoke-Type", "Event");

        assertEquals(accepted.body(), 202, accepted.statusCode());
        String requestId = field(accepted.body(), "RequestId");
        String finalStatus = awaitStatus(requestId);
        assertEquals(finalStatus, "failed", field(finalStatus, "Status"));
        assertEquals("3", field(finalStatus, "Attempts"));
        assertEquals("RuntimeError", field(finalStatus, "ErrorType"));
        Thread.sleep(1000);
        assertEquals("no run after the last retry", 3,
                metric("easyfaas_invocations_total{function=\"py-event-fails\",outcome=\"error\"}"));
    }

    @Test
    public void metricsUseThePrometheusTextFormat() {
        engine.deploy("py-metrics", "python3", "index.handler", 3, "index.py", "def handler(event, context):\n    return 1\n");
        engine.invoke("py-metrics", "{}");

        HttpResponse<String> metrics = engine.get("/metrics");

        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertEquals(1, metric("easyfaas_invocations_total{function=\"py-metrics\",outcome=\"success\"}"));
        assertEquals(1, metric("easyfaas_invocation_duration_seconds_count{function=\"py-metrics\"}"));
        assertEquals(1, metric("easyfaas_invocation_duration_seconds_bucket{function=\"py-metrics\",le=\"+Inf\"}"));
        assertTrue(metrics.body(), metrics.body().contains("# TYPE easyfaas_sandboxes gauge"));
        assertTrue(metrics.body(), metrics.body().contains("easyfaas_sandboxes{state=\"warm\"}"));
    }

    /** Polls an event invocation until it has finished; its last status document. */
    private String awaitStatus(String requestId) throws InterruptedException {
        String[] last = {null};
        awaitTrue("event invocation " + requestId + " finishes", () -> {
            HttpResponse<String> status = engine.get("/v1/invocations/" + requestId);
            last[0] = status.body();
            return status.statusCode() == 200 && status.body().contains("FinishedAt");
        }, 30);
        return last[0];
    }

    private List<HttpResponse<String>> concurrently(String function, String event, int calls) {
        ExecutorService callers = Executors.newFixedThreadPool(calls);
        try {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                responses.add(CompletableFuture.supplyAsync(() -> engine.invoke(function, event), callers));
            }
            List<HttpResponse<String>> answered = responses.stream().map(CompletableFuture::join).toList();
            answered.forEach(r -> assertEquals(r.body(), 200, r.statusCode()));
            return answered;
        } finally {
            callers.shutdownNow();
        }
    }

    /** The /v1/runtimes entries of a function, each as its JSON object text. */
    private List<String> sandboxesOf(String function) {
        return sandboxes().stream().filter(s -> s.contains("\"FunctionName\":\"" + function + "\"")).toList();
    }

    private List<String> stemCells(String runtime) {
        return sandboxes().stream()
                .filter(s -> s.contains("\"State\":\"stem\"") && s.contains("\"Runtime\":\"" + runtime + "\"")).toList();
    }

    private List<String> sandboxes() {
        HttpResponse<String> runtimes = engine.get("/v1/runtimes");
        assertEquals(runtimes.body(), 200, runtimes.statusCode());
        List<String> objects = new ArrayList<>();
        Matcher matcher = Pattern.compile("\\{[^{}]*}").matcher(runtimes.body());
        while (matcher.find()) {
            objects.add(matcher.group());
        }
        return objects;
    }

    /** One sample of /metrics, 0 when it is absent. */
    private long metric(String sample) {
        for (String line : engine.get("/metrics").body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Long.parseLong(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    private static void awaitTrue(String what, BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + seconds + " s: " + what);
            }
            Thread.sleep(100);
        }
    }
}
