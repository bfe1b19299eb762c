package io.easyfaas.api.runtime.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.runtime.BootstrapFiles;
import io.easyfaas.api.runtime.testing.RuntimeHarness.Frame;

/**
 * What every plugin's bootstrap test does: start the real bootstrap on the machine's
 * interpreter through {@link RuntimeHarness}, write the function's files, and check init and
 * invoke answers. A plugin's test names its interpreters and its command line.
 */
public abstract class BootstrapTestBase {

    /** The plugin module's bootstrap, as its tests see it. */
    protected static final Path BOOTSTRAP = Path.of("src/main/resources/bootstrap").toAbsolutePath();

    @TempDir
    protected Path code;

    protected RuntimeHarness runtime;

    /** Where the interpreter may be, first found first. */
    protected abstract String[] interpreters();

    /** The command that starts the bootstrap on {@code interpreter}. */
    protected abstract List<String> command(Path interpreter);

    /** Whether the bootstrap is handed its connection, as its adapter tells the engine. */
    protected boolean handsConnection() {
        return false;
    }

    @BeforeEach
    void startRuntime() throws IOException {
        Optional<Path> interpreter = BootstrapFiles.firstExecutable(interpreters());
        assumeTrue(interpreter.isPresent(), "no interpreter at " + String.join(", ", interpreters()));
        runtime = RuntimeHarness.start(command(interpreter.get()), handsConnection());
    }

    @AfterEach
    void stopRuntime() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
    }

    protected void write(String file, String source) throws IOException {
        Path path = code.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, source);
    }

    /** Runtime protocol 1.2: sends a health check and checks its answer, a result with no payload. */
    protected void pingAnswered(String id) throws IOException {
        runtime.send("{\"type\":\"ping\",\"id\":" + Json.quote(id) + "}", new byte[0]);
        Frame answer = runtime.receive();
        assertEquals("result", answer.type());
        assertEquals(id, answer.id());
        assertFalse(answer.error(), answer::toString);
        assertEquals(0, answer.payload().length);
    }

    protected void initOk(String handler) throws IOException {
        Frame init = runtime.init(handler, code);
        assertEquals("result", init.type());
        assertEquals("init", init.id());
        assertFalse(init.error(), () -> init + runtime.stderr());
        assertEquals(0, init.payload().length);
    }

    protected Map<String, Object> initError(String handler) throws IOException {
        Frame init = runtime.init(handler, code);
        assertEquals("init", init.id());
        assertTrue(init.error(), init::toString);
        return init.payloadObject();
    }

    protected Map<String, Object> invokeError(String id, String event) throws IOException {
        Frame reply = runtime.invoke(id, event);
        assertEquals(id, reply.id());
        assertTrue(reply.error(), reply::toString);
        Map<String, Object> error = reply.payloadObject();
        assertTrue(error.get("stackTrace") instanceof List, error::toString);
        return error;
    }

    protected Object invokeOk(String id, String event) throws IOException {
        Frame reply = runtime.invoke(id, event);
        assertEquals("result", reply.type());
        assertEquals(id, reply.id());
        assertFalse(reply.error(), reply::toString);
        return reply.payloadJson();
    }
}
