package io.easyfaas.registry.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.function.FunctionConfiguration;

/**
 * The product promise: after kill -9 at any moment, the store opens with every function either
 * fully old or fully new. A child JVM ({@link CrashWriter}) rewrites functions in a loop and is
 * killed with SIGKILL at a random moment; the store is then opened and checked, again and again.
 */
class CrashConsistencyTest {

    static final int RUNS = 10;

    @TempDir
    Path tmp;

    @Test
    void everyFunctionIsFullyOldOrFullyNewAfterKillMinus9() throws Exception {
        Path root = tmp.resolve("store");
        Path childLog = Path.of("target", "crash-writer.log");
        Files.deleteIfExists(childLog);
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classpath = System.getProperty("java.class.path");

        List<Map<String, String>> expectedFiles = new ArrayList<>();
        List<String> expectedSha = new ArrayList<>();
        List<Integer> expectedSize = new ArrayList<>();
        for (int g = 0; g < CrashWriter.GENERATIONS; g++) {
            expectedFiles.add(CrashWriter.files(g));
            byte[] zip = CrashWriter.zip(g);
            expectedSha.add(Base64.getEncoder().encodeToString(FunctionStore.sha256(zip)));
            expectedSize.add(zip.length);
        }

        Set<String> revisionsSeen = new HashSet<>();
        int killedMidWrite = 0;
        for (int run = 0; run < RUNS; run++) {
            Process child = new ProcessBuilder(java, "-cp", classpath, CrashWriter.class.getName(), root.toString())
                    .redirectError(ProcessBuilder.Redirect.appendTo(childLog.toFile()))
                    .start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                String line = out.readLine();
                if (!"READY".equals(line)) {
                    child.waitFor(10, TimeUnit.SECONDS);
                    fail("child did not start (" + line + "): " + Files.readString(childLog));
                }
                Thread.sleep(ThreadLocalRandom.current().nextLong(50, 401));
                assertTrue(child.isAlive(), "the writer runs until killed: " + Files.readString(childLog));
            } finally {
                child.destroyForcibly(); // SIGKILL
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }

            int leftovers = list(root.resolve("functions"), name -> name.contains(".tmp-")).size()
                    + list(root.resolve("code"), name -> name.contains(".tmp-")).size();
            if (leftovers > 0) {
                killedMidWrite++;
            }
            FunctionStore store = FunctionStore.open(root, FunctionStore.DEFAULT_MAX_ZIPPED_BYTES,
                    FunctionStore.DEFAULT_MAX_UNZIPPED_BYTES, () -> CrashWriter.RUNTIMES, (runtime, code) -> { });
            assertEquals(List.of(), list(root.resolve("functions"), name -> name.endsWith(".corrupt")),
                    "no metadata is ever torn (run " + run + ")");
            assertEquals(List.of(), list(root.resolve("functions"), name -> name.contains(".tmp-")));
            assertEquals(List.of(), list(root.resolve("code"), name -> name.contains(".tmp-")));

            Set<String> referenced = new HashSet<>();
            for (FunctionConfiguration c : store.list()) {
                String where = c.functionName() + " after run " + run;
                assertTrue(CrashWriter.NAMES.contains(c.functionName()), where);
                assertNotNull(c.description(), where);
                assertTrue(c.description().startsWith("gen-"), where + ": " + c.description());
                int g = Integer.parseInt(c.description().substring(4));
                assertEquals(expectedSha.get(g), c.codeSha256(), where + ": code and configuration of one generation");
                assertEquals((long) expectedSize.get(g), c.codeSize(), where);
                assertEquals(128 + g, c.memorySize(), where);
                assertEquals(Map.of("GENERATION", Integer.toString(g)), c.environment().variables(), where);
                Path code = store.codeDirectory(c);
                assertEquals(c.description(), Files.readString(code.resolve("marker.txt")), where);
                assertEquals(expectedFiles.get(g), Zips.files(code), where + ": complete code package");
                referenced.add(code.getFileName().toString());
                revisionsSeen.add(c.revisionId());
            }
            assertEquals(referenced, Set.copyOf(list(root.resolve("code"), name -> true)),
                    "only referenced code remains after open");
        }
        System.out.println("Crash test: " + RUNS + " kills, " + killedMidWrite + " left temporary files behind, "
                + revisionsSeen.size() + " revisions checked");
        assertFalse(revisionsSeen.isEmpty(), "the writer made progress: " + revisionsSeen.size() + " revisions");
    }

    private static List<String> list(Path dir, java.util.function.Predicate<String> filter) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(filter).sorted().collect(Collectors.toList());
        }
    }
}
