package io.easyfaas.api.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

import io.easyfaas.api.runtime.testing.FakeBundle;

class BootstrapFilesTest {

    @TempDir
    Path tmp;

    @Test
    void extractsReadOnlyCopyPerRevisionAndDeletesOlderOnes() throws IOException {
        Path resources = tmp.resolve("res");
        Files.createDirectories(resources.resolve("bootstrap/lib"));
        Files.writeString(resources.resolve("bootstrap/index.js"), "one");
        Files.writeString(resources.resolve("bootstrap/lib/util.js"), "util");
        Files.writeString(resources.resolve("other.txt"), "not copied");
        Path data = tmp.resolve("data");

        Path first = BootstrapFiles.extract(FakeBundle.bundle(resources, 1000), "bootstrap", data);
        assertEquals("one", Files.readString(first.resolve("index.js")));
        assertEquals("util", Files.readString(first.resolve("lib/util.js")));
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.resolve("index.js"))));
        assertEquals("r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(first.resolve("lib"))));
        assertFalse(Files.exists(first.resolve("other.txt")));
        assertEquals(first, BootstrapFiles.extract(FakeBundle.bundle(resources, 1000), "bootstrap", data),
                "same revision reuses its copy");

        Files.writeString(resources.resolve("bootstrap/index.js"), "two");
        Path second = BootstrapFiles.extract(FakeBundle.bundle(resources, 2000), "/bootstrap/", data);
        assertEquals("two", Files.readString(second.resolve("index.js")));
        assertEquals("one", Files.readString(first.resolve("index.js")),
                "the previous revision's copy stays: a sandbox it just started may not have opened it yet");

        Path third = BootstrapFiles.extract(FakeBundle.bundle(resources, 3000), "bootstrap", data);
        assertFalse(Files.exists(first), "older revisions deleted");
        assertTrue(Files.exists(second));
        try (var left = Files.list(data)) {
            assertEquals(List.of(second, third), left.sorted().toList());
        }
    }

    @Test
    void missingFolderFails() {
        Bundle bundle = FakeBundle.bundle(tmp, 1);
        assertThrows(IOException.class, () -> BootstrapFiles.extract(bundle, "bootstrap", tmp.resolve("data")));
    }

    @Test
    void firstExecutableSkipsMissingAndNonExecutable() throws IOException {
        Path plain = Files.writeString(tmp.resolve("plain"), "");
        Path exe = Files.writeString(tmp.resolve("exe"), "");
        assertTrue(exe.toFile().setExecutable(true));
        assertEquals(Optional.of(exe), BootstrapFiles.firstExecutable("", tmp.resolve("missing").toString(),
                tmp.toString(), plain.toString(), exe.toString()));
        assertEquals(Optional.empty(), BootstrapFiles.firstExecutable(tmp.resolve("missing").toString(), tmp.toString()));
        assertThrows(IllegalArgumentException.class, () -> BootstrapFiles.firstExecutable("node"));
    }
}
