package io.easyfaas.itests;

import static io.easyfaas.itests.EngineClient.field;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;

/**
 * Event invocations are durable: one accepted with 202 runs to completion even when the engine
 * is killed with {@code kill -9} while it runs, once the engine is started again.
 */
public class AsyncRestartIT {
    private PackagedEngine engine;

    @Test
    public void anAcceptedEventInvocationSurvivesKillNineAndRestart() throws Exception {
        engine = new PackagedEngine(Files.createTempDirectory("easyfaas-async-restart"));
        EngineClient client = engine.start();
        assertEquals(201, client.deploy("slow-event", "python3", "index.handler", 10, "index.py",
                "import time\ndef handler(event, context):\n    time.sleep(event['sleep'])\n    return 'finished'\n").statusCode());

        HttpResponse<String> accepted = client.post("/v1/functions/slow-event/invocations", "{\"sleep\":3}",
                "X-easyfaas-Invoke-Type", "event", "X-easyfaas-Request-Id", "restart-survivor");
        assertEquals(accepted.body(), 202, accepted.statusCode());
        awaitStatus(client, "running", 15);
        engine.kill();

        engine.start();
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

    @After
    public void stop() throws InterruptedException {
        if (engine != null) {
            engine.stop();
        }
    }
}
