package io.easyfaas.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodePackageTest {

    @TempDir
    Path tmp;

    static Map<String, String> entries(byte[] zip) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                m.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private Path sampleDir() throws IOException {
        Path dir = tmp.resolve("fn");
        Files.createDirectories(dir.resolve("lib/deep"));
        Files.createDirectories(dir.resolve("empty"));
        Files.writeString(dir.resolve("index.js"), "exports.handler = async () => 'hi';");
        Files.writeString(dir.resolve("lib/deep/util.js"), "module.exports = 1;");
        Files.writeString(dir.resolve(".hidden"), "kept");
        return dir;
    }

    @Test
    void zipsEveryFileWithRelativeSlashPaths() throws Exception {
        Map<String, String> m = entries(CodePackage.zipDirectory(sampleDir()));
        assertEquals("exports.handler = async () => 'hi';", m.get("index.js"));
        assertEquals("module.exports = 1;", m.get("lib/deep/util.js"));
        assertEquals("kept", m.get(".hidden"));
        assertTrue(m.containsKey("empty/"), "empty directories are kept: " + m.keySet());
        assertTrue(m.containsKey("lib/"));
        for (String name : m.keySet()) {
            assertTrue(!name.startsWith("/") && !name.contains("\\") && !name.startsWith("fn"), name);
        }
    }

    @Test
    void zippingIsReproducible() throws Exception {
        Path dir = sampleDir();
        byte[] a = CodePackage.zipDirectory(dir);
        Files.setLastModifiedTime(dir.resolve("index.js"), java.nio.file.attribute.FileTime.fromMillis(0));
        byte[] b = CodePackage.zipDirectory(dir);
        assertArrayEquals(a, b);
    }

    @Test
    void zipFileIsSentAsItIs() throws Exception {
        byte[] zip = CodePackage.zipDirectory(sampleDir());
        Path file = tmp.resolve("code.zip");
        Files.write(file, zip);
        assertArrayEquals(zip, CodePackage.read(file));
        assertTrue(CodePackage.isZip(zip));
    }

    @Test
    void singleSourceFileIsZippedUnderItsName() throws Exception {
        Path file = tmp.resolve("main.py");
        Files.writeString(file, "def handler(e, c): return 1\n");
        assertEquals(Map.of("main.py", "def handler(e, c): return 1\n"), entries(CodePackage.read(file)));
    }

    @Test
    void missingCodeIsAUsageError() {
        assertThrows(UsageException.class, () -> CodePackage.read(tmp.resolve("nope")));
    }
}
