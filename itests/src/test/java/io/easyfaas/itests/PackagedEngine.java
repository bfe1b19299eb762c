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

    /** The engine's process. */
    ProcessHandle handle() {
        return process.toHandle();
    }

    /** {@code kill -9} of the engine alone, as a crash: its runtimes outlive it. */
    void killEngine() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** {@code kill -9} of the engine, then of the runtimes it leaves behind. */
    void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        ProcessHandle parent = process.toHandle();
        killEngine();
        parent.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Stops the engine as a user does (SIGTERM): it ends its runtimes and removes their cgroups,
     * which a killed engine leaves to its next start on the same data. Killed if it takes too long.
     */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
