package io.easyfaas.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Test;

/**
 * The packaged engine as a process: what it stored survives {@code kill -9} and a restart.
 * Runs bin/easyfaas exactly as {@code ./easyfaas serve} does.
 */
public class RestartIT {
    private Process engine;

    @Test
    public void functionsSurviveKillNineAndRestart() throws Exception {
        Path data = Files.createTempDirectory("easyfaas-restart");
        int port = freePort();
        EngineClient client = new EngineClient(port);

        start(data, port, client);
        assertEquals(201, client.deploy("survivor", "python3", "index.handler", 3, "index.py",
                "def handler(event, context):\n    return 'still here'\n").statusCode());
        assertEquals("\"still here\"", client.invoke("survivor", "{}").body());
        ProcessHandle sandboxParent = engine.toHandle();
        engine.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        sandboxParent.descendants().forEach(ProcessHandle::destroyForcibly);

        start(data, port, client);
        HttpResponse<String> after = client.get("/v1/functions/survivor");
        assertEquals(after.body(), 200, after.statusCode());
        assertEquals("\"still here\"", client.invoke("survivor", "{}").body());
    }

    private void start(Path data, int port, EngineClient client) throws IOException, InterruptedException {
        engine = new ProcessBuilder(Distribution.HOME.resolve("bin/easyfaas").toString(), "serve",
                "--port", Integer.toString(port), "--data", data.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("engine.out").toFile()))
                .start();
        client.awaitReady(engine::isAlive);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @After
    public void stop() throws InterruptedException {
        if (engine != null) {
            engine.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            engine.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
