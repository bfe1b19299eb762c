package io.easyfaas.runtime.python3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

import io.easyfaas.api.runtime.BootstrapFiles;
import io.easyfaas.api.runtime.testing.FakeBundle;
import io.easyfaas.api.runtime.testing.RuntimeHarness;

class Python3RuntimeAdapterTest {

    @TempDir
    Path data;

    static Python3RuntimeAdapter.Config config(String interpreter) {
        return new Python3RuntimeAdapter.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return Python3RuntimeAdapter.Config.class;
            }

            @Override
            public String interpreter() {
                return interpreter;
            }
        };
    }

    BundleContext context() {
        return FakeBundle.context(FakeBundle.bundle(Path.of("src/main/resources").toAbsolutePath(), 1234L), data);
    }

    @Test
    void activatesWithDefaultInterpreterAndStartsARuntime() throws Exception {
        assumeTrue(BootstrapFiles.firstExecutable(Python3RuntimeAdapter.DEFAULT_INTERPRETERS).isPresent());
        Python3RuntimeAdapter adapter = new Python3RuntimeAdapter(config(""), context());
        assertEquals(Set.of("python3"), adapter.runtimeNames());
        Path dir = adapter.bootstrapDirectory();
        assertTrue(dir.startsWith(data));
        assertEquals(Files.readString(Path.of("src/main/resources/bootstrap/bootstrap.py")),
                Files.readString(dir.resolve("bootstrap.py")));
        List<String> command = adapter.command("python3", dir);
        assertTrue(command.get(0).startsWith("/usr/") && command.get(0).endsWith("/python3"), command::toString);
        assertEquals(dir.resolve("bootstrap.py").toString(), command.get(command.size() - 1));
        assertEquals(List.of("-I", "-u"), command.subList(1, 3));
        assertThrows(IllegalArgumentException.class, () -> adapter.command("nodejs20", dir));
        try (RuntimeHarness runtime = RuntimeHarness.start(command)) {
            assertEquals("hello", runtime.hello().type());
        }
    }

    @Test
    void configuredInterpreterIsUsed() throws Exception {
        Path fake = Files.createFile(data.resolve("mypython"));
        assertTrue(fake.toFile().setExecutable(true));
        Python3RuntimeAdapter adapter = new Python3RuntimeAdapter(config(fake.toString()), context());
        assertEquals(fake.toString(), adapter.command("python3", Path.of("/b")).get(0));
    }

    @Test
    void missingInterpreterFailsActivation() {
        assertThrows(IllegalStateException.class,
                () -> new Python3RuntimeAdapter(config(data.resolve("absent").toString()), context()));
        assertFalse(Files.exists(data.resolve("runtime")), "nothing extracted");
    }
}
