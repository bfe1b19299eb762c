package io.easyfaas.runtime.python3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.runtime.BootstrapFiles;

class BytecodeCompilersTest {

    @TempDir
    Path data;

    static Path python() throws IOException {
        return BootstrapFiles.firstExecutable(Python3RuntimeAdapter.DEFAULT_INTERPRETERS).orElseThrow().toRealPath();
    }

    Path packageWith(String name) throws IOException {
        Path code = Files.createDirectories(data.resolve(name));
        Files.writeString(code.resolve("index.py"), "def handler(event, context):\n    return " + name.length() + "\n");
        return code;
    }

    static boolean compiled(Path code) throws IOException {
        Path cache = code.resolve("__pycache__");
        if (!Files.isDirectory(cache)) {
            return false;
        }
        try (Stream<Path> files = Files.list(cache)) {
            return files.anyMatch(f -> f.getFileName().toString().matches("index\\.cpython-3\\d+\\.pyc"));
        }
    }

    /** This JVM's children that are compilers. */
    static List<ProcessHandle> compilers() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(args -> Arrays.toString(args).contains("compileall")).orElse(false))
                .toList();
    }

    static void awaitNoCompiler() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!compilers().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(), compilers(), "no compiler left running");
    }

    @Test
    void aCompilerWaitsAheadForTheNextDeployAndEndsWhenClosed() throws Exception {
        Path python = python();
        try (BytecodeCompilers compilers = new BytecodeCompilers(60)) {
            Path first = packageWith("first");
            compilers.compile(python, first);
            assertTrue(compiled(first));
            assertEquals(1, compilers().size(), "one compiler started ahead, waiting");

            Path second = packageWith("second");
            compilers.compile(python, second);
            assertTrue(compiled(second), "compiled by the one that waited");
            assertEquals(1, compilers().size(), "and the next one waits");
        }
        awaitNoCompiler();
    }

    @Test
    void anUnusedCompilerEndsByItselfAndTheNextDeployStillCompiles() throws Exception {
        Path python = python();
        try (BytecodeCompilers compilers = new BytecodeCompilers(1)) {
            compilers.compile(python, packageWith("first"));
            awaitNoCompiler();

            Path later = packageWith("later");
            compilers.compile(python, later);
            assertTrue(compiled(later));
        }
        awaitNoCompiler();
    }
}
