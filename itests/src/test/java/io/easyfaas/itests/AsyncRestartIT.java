package io.easyfaas.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Test;

/**
 * Event invocations are durable: one accepted with 202 runs to completion even when the engine
 * is killed with {@code kill -9} while it runs, once the engine is started again. Runs the
 * packaged engine exactly as {@code ./easyfaas serve} does.
 */
public class AsyncRestartIT {
    private Process engine;

    @Test
    public void anAcceptedEventInvocationSurvivesKillNineAndRestart() throws Exception {
        Path data = Files.createTempDirectory("easyfaas-async-restart");
        int port = freePort();
        EngineClient client = new EngineClient(port);
        start(data, port, client);
        assertEquals(201, client.deploy("slow-event", "python3", "index.handler", 10, "index.py",
                "import time\ndef handler(event, context):\n    time.sleep(event['sleep'])\n    return 'finished'\n").statusCode());

        HttpResponse<String> accepted = client.post("/v1/functions/slow-event/invocations", "{\"sleep\":3}",
                "X-easyfaas-Invoke-Type", "event", "X-easyfaas-Request-Id", "restart-survivor");
        assertEquals(accepted.body(), 202, accepted.statusCode());
        awaitStatus(client, "running", 15);
        kill();

        start(data, port, client);
        String outcome = awaitStatus(client, "succeeded", 30);
        assertTrue(outcome, outcome.contains("\"Result\":\"finished\""));
        assertEquals("the attempt cut short by the kill, then the one after the restart", "2", field(outcome, "Attempts"));
    }

    private static String awaitStatus(EngineClient client, String status, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            HttpResponse<String> response = client.get("/v1/invocations/restart-survivor");
            if (response.statusCode() == 200 && status.equals(field(response.body(), "Status"))) {
                return response.body();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not " + status + " within " + seconds + " s: " + response.body());
            }
            Thread.sleep(100);
        }
    }

    private void start(Path data, int port, EngineClient client) throws IOException, InterruptedException {
        engine = new ProcessBuilder(Distribution.HOME.resolve("bin/easyfaas").toString(), "serve",
                "--port", Integer.toString(port), "--data", data.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("engine.out").toFile()))
                .start();
        client.awaitReady(engine::isAlive);
    }

    private void kill() throws InterruptedException {
        ProcessHandle parent = engine.toHandle();
        engine.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        parent.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":\\s*\"?([^\",}]*)").matcher(json);
        if (!matcher.find()) {
            throw new AssertionError(name + " not in " + json);
        }
        return matcher.group(1);
    }

    @After
    public void stop() throws InterruptedException {
        if (engine != null) {
            kill();
        }
    }
}
