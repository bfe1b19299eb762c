package io.easyfaas.runtime.python3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
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
        return config(interpreter, "/usr/bin");
    }

    static Python3RuntimeAdapter.Config config(String interpreter, String interpreterDirectory) {
        return new Python3RuntimeAdapter.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return Python3RuntimeAdapter.Config.class;
            }

            @Override
            public String interpreter() {
                return interpreter;
            }

            @Override
            public String interpreter_directory() {
                return interpreterDirectory;
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
        assertEquals(Set.of("python3"), adapter.runtimeNames().stream().filter(n -> !n.startsWith("python3.")).collect(java.util.stream.Collectors.toSet()));
        assertEquals(Python3RuntimeAdapter.versionedInterpreters(Path.of("/usr/bin")).keySet(),
                adapter.runtimeNames().stream().filter(n -> n.startsWith("python3.")).collect(java.util.stream.Collectors.toSet()));
        Path dir = adapter.bootstrapDirectory();
        assertTrue(dir.startsWith(data));
        assertEquals(Files.readString(Path.of("src/main/resources/bootstrap/bootstrap.py")),
                Files.readString(dir.resolve("bootstrap.py")));
        List<String> command = adapter.command("python3", dir);
        assertEquals(BootstrapFiles.firstExecutable(Python3RuntimeAdapter.DEFAULT_INTERPRETERS).orElseThrow().toRealPath().toString(),
                command.get(0), "the binary python3 links to");
        assertEquals(List.of("-I", "-S", "-u"), command.subList(1, 4), "site is skipped: the bootstrap is given the path");
        Path compiled = Path.of(command.get(4));
        assertTrue(compiled.startsWith(dir) && compiled.getFileName().toString().matches("bootstrap\\.cpython-3\\d+\\.pyc")
                && Files.isRegularFile(compiled), "the interpreter compiled the bootstrap: " + command);
        assertTrue(command.subList(5, command.size()).stream().anyMatch(d -> d.endsWith("-packages")), command::toString);
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
    void versionedInterpretersAreNativeExecutablesOnly() throws Exception {
        Path real = BootstrapFiles.firstExecutable(Python3RuntimeAdapter.DEFAULT_INTERPRETERS).orElseThrow().toRealPath();
        Path bin = Files.createDirectory(data.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("python3.11"), real);
        Files.copy(real, bin.resolve("python3.9"));
        Path shim = Files.writeString(bin.resolve("python3.12"), "#!/usr/bin/env bash\nexec pyenv exec python3.12 \"$@\"\n");
        assertTrue(shim.toFile().setExecutable(true));
        Files.createSymbolicLink(bin.resolve("python3.11-config"), real);
        Files.createSymbolicLink(bin.resolve("python3.13"), bin.resolve("absent"));
        Files.setPosixFilePermissions(Files.copy(real, bin.resolve("python3.10")),
                PosixFilePermissions.fromString("rw-r--r--")); // not executable

        assertEquals(List.of("python3.9", "python3.11"),
                List.copyOf(Python3RuntimeAdapter.versionedInterpreters(bin).keySet()));
        assertEquals(List.of("python3", "python3.9", "python3.11"),
                List.copyOf(Python3RuntimeAdapter.runtimes(real, bin.toString()).keySet()));
        assertEquals(List.of("python3"), List.copyOf(Python3RuntimeAdapter.runtimes(real, "").keySet()));
    }

    @Test
    void aVersionedRuntimeRunsItsOwnInterpreter() throws Exception {
        Map<String, Path> found = Python3RuntimeAdapter.versionedInterpreters(Path.of("/usr/bin"));
        assumeTrue(!found.isEmpty(), "no python3.X in /usr/bin");
        Python3RuntimeAdapter adapter = new Python3RuntimeAdapter(config(""), context());
        Map.Entry<String, Path> versioned = found.entrySet().iterator().next();
        List<String> command = adapter.command(versioned.getKey(), adapter.bootstrapDirectory());
        assertEquals(versioned.getValue().toRealPath().toString(), command.get(0));
        try (RuntimeHarness runtime = RuntimeHarness.start(command)) {
            assertEquals("hello", runtime.hello().type());
        }
    }

    @Test
    void runtimesOfOneBinaryStartAlikeSoTheyCanShareStemCells() throws Exception {
        Path real = BootstrapFiles.firstExecutable(Python3RuntimeAdapter.DEFAULT_INTERPRETERS).orElseThrow().toRealPath();
        Path bin = Files.createDirectory(data.resolve("bin"));
        Path python3 = Files.createSymbolicLink(bin.resolve("python3"), real);
        Files.createSymbolicLink(bin.resolve("python3.11"), real);
        Files.copy(real, bin.resolve("python3.9")); // another binary, even with the same bytes

        Python3RuntimeAdapter adapter = new Python3RuntimeAdapter(config(python3.toString(), bin.toString()), context());
        Path seen = Path.of("/opt/easyfaas/runtime");
        assertEquals(adapter.command("python3", seen), adapter.command("python3.11", seen));
        assertEquals(real.toString(), adapter.command("python3", seen).get(0));
        assertEquals(bin.resolve("python3.9").toString(), adapter.command("python3.9", seen).get(0));
    }

    @Test
    void aDeployedPackageRunsTheBytecodeCompiledAtItsDeploy() throws Exception {
        assumeTrue(BootstrapFiles.firstExecutable(Python3RuntimeAdapter.DEFAULT_INTERPRETERS).isPresent());
        Python3RuntimeAdapter adapter = new Python3RuntimeAdapter(config(""), context());
        Path unpacked = Files.createDirectories(data.resolve("code/.tmp-1"));
        Files.writeString(unpacked.resolve("index.py"), "from lib import util\n\n"
                + "def handler(event, context):\n    return util.made()\n\n"
                + "def fails(event, context):\n    raise ValueError('from ' + util.made())\n");
        Files.createDirectory(unpacked.resolve("lib"));
        Files.writeString(unpacked.resolve("lib/__init__.py"), "");
        Files.writeString(unpacked.resolve("lib/util.py"), "def made():\n    return 'bytecode'\n");
        Files.writeString(unpacked.resolve("broken.py"), "def (:\n");

        adapter.prepareCode("python3", unpacked);
        adapter.prepareCode("nodejs20", unpacked); // not its runtime: nothing
        adapter.deactivate(); // ends the compiler started ahead for the next deploy
        Path code = Files.move(unpacked, data.resolve("code/published"));

        Path bytecode;
        try (var cached = Files.list(code.resolve("lib/__pycache__"))) {
            bytecode = cached.filter(f -> f.getFileName().toString().startsWith("util.")).findFirst().orElseThrow();
        }
        byte[] header = Files.readAllBytes(bytecode);
        assertEquals(1, header[4], "hash-based and never checked against the source (PEP 552)");
        assertFalse(Files.exists(code.resolve("__pycache__").resolve(bytecode.getFileName().toString().replace("util", "broken"))),
                "what does not compile fails at import, as before");
        // the source changed behind the bytecode's back: only the bytecode says 'bytecode'
        Files.writeString(code.resolve("lib/util.py"), "def made():\n    return 'source'\n");
        try (RuntimeHarness runtime = RuntimeHarness.start(adapter.command("python3", adapter.bootstrapDirectory()))) {
            assertFalse(runtime.init("index.handler", code).error());
            assertEquals("bytecode", runtime.invoke("a", "{}").payloadJson());
        }
        try (RuntimeHarness runtime = RuntimeHarness.start(adapter.command("python3", adapter.bootstrapDirectory()))) {
            assertFalse(runtime.init("index.fails", code).error());
            RuntimeHarness.Frame failed = runtime.invoke("b", "{}");
            assertTrue(failed.error());
            assertTrue(failed.payloadText().contains(code.resolve("index.py").toString()), "the trace names the package where it runs: "
                    + failed.payloadText());
            assertFalse(failed.payloadText().contains(".tmp-1"), failed::payloadText);
        }
    }

    @Test
    void missingInterpreterFailsActivation() {
        assertThrows(IllegalStateException.class,
                () -> new Python3RuntimeAdapter(config(data.resolve("absent").toString()), context()));
        assertFalse(Files.exists(data.resolve("runtime")), "nothing extracted");
    }
}
