package io.easyfaas.itests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The packaged engine as a process, started exactly as {@code ./easyfaas serve} starts it. */
final class PackagedEngine {
    private final Path data;
    private final int port;
    private Process process;

    PackagedEngine(Path data) throws IOException {
        this.data = data;
        this.port = Distribution.freePort();
    }

    EngineClient client() {
        return new EngineClient(port);
    }

    /** Starts the engine on the same data and port, and waits until it serves both runtimes. */
    EngineClient start() throws IOException, InterruptedException {
        process = new ProcessBuilder(Distribution.HOME.resolve("bin/easyfaas").toString(), "serve",
                "--port", Integer.toString(port), "--data", data.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("engine.out").toFile()))
                .start();
        EngineClient client = client();
        client.awaitReady(process::isAlive);
        return client;
    }

    /** {@code kill -9} of the engine, then of the runtimes it leaves behind. */
    void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        ProcessHandle parent = process.toHandle();
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        parent.descendants().forEach(ProcessHandle::destroyForcibly);
    }
}
