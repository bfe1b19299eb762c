package io.easyfaas.api.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

import io.easyfaas.api.runtime.testing.FakeBundle;

class AbstractRuntimeAdapterTest {

    @TempDir
    Path bundleFiles;

    @TempDir
    Path data;

    /** The smallest plugin: one script per runtime, run by its interpreter. */
    static final class ScriptAdapter extends AbstractRuntimeAdapter {
        ScriptAdapter(BundleContext context, Map<String, Path> interpreters) throws IOException {
            super(context, interpreters);
        }

        @Override
        protected List<String> commandLine(Path interpreter, Path bootstrapDirectory) {
            return List.of(interpreter.toString(), bootstrapDirectory.resolve("run.sh").toString());
        }
    }

    private BundleContext context(long revision) throws IOException {
        Files.createDirectories(bundleFiles.resolve("bootstrap"));
        Files.writeString(bundleFiles.resolve("bootstrap/run.sh"), "echo revision " + revision + "\n");
        return FakeBundle.context(FakeBundle.bundle(bundleFiles, revision), data);
    }

    @Test
    void servesEachRuntimeWithItsInterpreterAndTheUnpackedBootstrap() throws IOException {
        Map<String, Path> interpreters = new LinkedHashMap<>();
        interpreters.put("shell", Path.of("/bin/sh"));
        interpreters.put("bash5", Path.of("/bin/bash"));
        ScriptAdapter adapter = new ScriptAdapter(context(7), interpreters);

        assertEquals(Set.of("shell", "bash5"), adapter.runtimeNames());
        Path bootstrap = adapter.bootstrapDirectory();
        assertTrue(bootstrap.startsWith(data.resolve("runtime")), bootstrap::toString);
        assertEquals("echo revision 7\n", Files.readString(bootstrap.resolve("run.sh")));
        assertFalse(Files.isWritable(bootstrap.resolve("run.sh")) && !isRoot(), "the engine's copy is read-only");
        assertEquals(List.of("/bin/bash", "/sandbox/bootstrap/run.sh"),
                adapter.command("bash5", Path.of("/sandbox/bootstrap")));
        assertEquals("/bin/sh", adapter.command("shell", bootstrap).get(0));
    }

    @Test
    void aRuntimeItDoesNotServeIsRefusedWithTheNamesItServes() throws IOException {
        ScriptAdapter adapter = new ScriptAdapter(context(1), Map.of("shell", Path.of("/bin/sh")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> adapter.command("python3", adapter.bootstrapDirectory()));
        assertTrue(e.getMessage().contains("python3") && e.getMessage().contains("[shell]"), e.getMessage());
    }

    @Test
    void aNewRevisionOfTheBundleGetsFreshBootstrapFiles() throws IOException {
        Path first = new ScriptAdapter(context(1), Map.of("shell", Path.of("/bin/sh"))).bootstrapDirectory();
        new ScriptAdapter(context(2), Map.of("shell", Path.of("/bin/sh")));
        Path third = new ScriptAdapter(context(3), Map.of("shell", Path.of("/bin/sh"))).bootstrapDirectory();
        assertEquals("echo revision 3\n", Files.readString(third.resolve("run.sh")));
        assertFalse(Files.exists(first), "old revisions' copies are removed");
    }

    @Test
    void anAdapterWithoutRuntimesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ScriptAdapter(context(1), Map.of()));
    }

    @Test
    void interpreterPrefersTheConfiguredPathAndOtherwiseTheFirstExecutableDefault() throws IOException {
        Path configured = Files.createFile(data.resolve("myinterp"));
        assertTrue(configured.toFile().setExecutable(true));
        assertEquals(configured, AbstractRuntimeAdapter.interpreter(configured.toString(), "/bin/sh"));
        assertEquals(Path.of("/bin/sh"), AbstractRuntimeAdapter.interpreter(" ", data.resolve("absent").toString(), "/bin/sh"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AbstractRuntimeAdapter.interpreter(data.resolve("absent").toString(), "/bin/sh"));
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
