package io.easyfaas.registry.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.function.FunctionEnvironment;

class FunctionStoreTest {

    static final Set<String> RUNTIMES = Set.of("python3", "nodejs20", "nodejs12");
    static final byte[] ZIP_A = Zips.zip("index.js", "exports.handler = async () => 'A';", "lib/util.js", "// util A");
    static final byte[] ZIP_B = Zips.zip("index.js", "exports.handler = async () => 'B';");

    @TempDir
    Path dir;

    /** What the stores opened here call to prepare a new package: nothing, unless a test says. */
    BiConsumer<String, Path> preparer = (runtime, code) -> { };

    FunctionStore open() throws IOException {
        return open(FunctionStore.DEFAULT_MAX_ZIPPED_BYTES, FunctionStore.DEFAULT_MAX_UNZIPPED_BYTES);
    }

    FunctionStore open(long maxZipped, long maxUnzipped) throws IOException {
        Supplier<Set<String>> runtimes = () -> RUNTIMES;
        return FunctionStore.open(dir, maxZipped, maxUnzipped, runtimes, preparer);
    }

    static FunctionDefinition def(String name) {
        return new FunctionDefinition(name, "nodejs20", "index.handler", null, null, null, null);
    }

    static FaasException fails(ErrorCode code, Runnable action) {
        FaasException e = assertThrows(FaasException.class, action::run);
        assertEquals(code, e.errorCode(), e.getMessage());
        return e;
    }

    // ------------------------------------------------------------ JSON

    @Test
    void metadataJsonUsesUpperCamelCaseAndRoundTripsRecords() throws Exception {
        FunctionConfiguration c = new FunctionConfiguration("f", "python3", "app.handler", 256, 30, "d",
                new FunctionEnvironment(Map.of("A", "1")), "sha", 42L, "$LATEST", "2024-01-01T00:00:00Z", "rev");
        String json = FunctionStore.mapper().writeValueAsString(c);
        com.fasterxml.jackson.databind.JsonNode tree = FunctionStore.mapper().readTree(json);
        Set<String> fields = new java.util.TreeSet<>();
        tree.fieldNames().forEachRemaining(fields::add);
        assertEquals(new java.util.TreeSet<>(List.of("FunctionName", "Runtime", "Handler", "MemorySize", "Timeout",
                "Description", "Environment", "CodeSha256", "CodeSize", "Version", "LastModified", "RevisionId", "Network",
                "PodConcurrentQuota")), fields);
        assertEquals("1", tree.get("Environment").get("Variables").get("A").asText());
        assertEquals(256, tree.get("MemorySize").asInt());
        assertEquals(c, FunctionStore.mapper().readValue(json, FunctionConfiguration.class));
        // unknown fields are tolerated (forward compatibility)
        String extended = json.replaceFirst("\\{", "{ \"Future\": 1,");
        assertEquals(c, FunctionStore.mapper().readValue(extended, FunctionConfiguration.class));
    }

    @Test
    void metadataStoredBeforeNetworkModesReadsAsNetworkNone() throws Exception {
        String old = "{\"FunctionName\":\"f\",\"Runtime\":\"python3\",\"Handler\":\"a.h\",\"MemorySize\":128,\"Timeout\":3}";
        assertEquals(FunctionDefinition.NETWORK_NONE, FunctionStore.mapper().readValue(old, FunctionConfiguration.class).network());
    }

    @Test
    void networkModeIsValidatedKeptAcrossCodeUpdatesAndChangedByConfiguration() throws Exception {
        FunctionStore store = open();
        assertEquals(FunctionDefinition.NETWORK_NONE, store.create(def("plain"), ZIP_A).network());
        FunctionConfiguration bridged = store.create(new FunctionDefinition("b", "python3", "app.handler", null, null, null, null,
                FunctionDefinition.NETWORK_BRIDGE), ZIP_A);
        assertEquals(FunctionDefinition.NETWORK_BRIDGE, bridged.network());
        assertEquals(FunctionDefinition.NETWORK_BRIDGE, store.updateCode("b", ZIP_B).network());
        assertEquals(FunctionDefinition.NETWORK_HOST, store.updateConfiguration("b", new FunctionDefinition(null, null, null, null,
                null, null, null, FunctionDefinition.NETWORK_HOST)).network());
        assertEquals(FunctionDefinition.NETWORK_HOST, open().get("b").orElseThrow().network());
        assertTrue(fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.create(new FunctionDefinition("w", "python3", "app.handler", null, null, null,
                null, "wifi"), ZIP_A)).getMessage().contains("Network"));
        assertTrue(fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateConfiguration("b", new FunctionDefinition(null, null, null, null, null,
                null, null, "wifi"))).getMessage().contains("Network"));
        assertEquals(FunctionDefinition.NETWORK_HOST, store.get("b").orElseThrow().network(), "a refused change changes nothing");
    }

    @Test
    void metadataStoredBeforePodConcurrentQuotaLoadsWithTheEngineDefault() throws Exception {
        FunctionStore store = open();
        FunctionConfiguration stored = store.create(def("old"), ZIP_A);
        Path file = dir.resolve(FunctionStore.FUNCTIONS).resolve("old" + FunctionStore.JSON);
        String withQuota = Files.readString(file);
        String withoutQuota = withQuota.replaceFirst(",\\s*\"PodConcurrentQuota\"\\s*:\\s*null", "");
        assertNotEquals(withQuota, withoutQuota, "the field was there to remove");
        Files.writeString(file, withoutQuota);

        FunctionConfiguration loaded = open().get("old").orElseThrow();

        assertNull(loaded.podConcurrentQuota());
        assertEquals(stored, loaded);
    }

    @Test
    void podConcurrentQuotaIsValidatedPersistedKeptAcrossCodeUpdatesAndChangedByConfiguration() throws Exception {
        FunctionStore store = open();
        assertNull(store.create(def("default"), ZIP_A).podConcurrentQuota(), "unset: the engine's default");
        assertEquals(0, store.create(quota("serial", 0), ZIP_A).podConcurrentQuota());
        assertEquals(1000, store.create(quota("q", 1000), ZIP_A).podConcurrentQuota());
        assertEquals(1000, store.updateCode("q", ZIP_B).podConcurrentQuota());
        FunctionDefinition toThree = new FunctionDefinition(null, null, null, null, null, null, null, null, 3);
        assertEquals(3, store.updateConfiguration("q", toThree).podConcurrentQuota());
        assertEquals(3, store.updateConfiguration("q", new FunctionDefinition(null, null, null, 256, null, null, null))
                .podConcurrentQuota(), "a change without the field leaves it as it is");
        assertEquals(3, open().get("q").orElseThrow().podConcurrentQuota(), "persisted across a restart of the store");

        for (int bad : new int[] {-1, 1001}) {
            FaasException refused = fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateConfiguration("q",
                    new FunctionDefinition(null, null, null, null, null, null, null, null, bad)));
            assertTrue(refused.getMessage().contains("'" + bad + "' at 'PodConcurrentQuota'")
                    && refused.getMessage().contains("between 0 and 1000"), refused.getMessage());
        }
        assertEquals(3, store.get("q").orElseThrow().podConcurrentQuota(), "a refused change changes nothing");
    }

    static FunctionDefinition quota(String name, Integer podConcurrentQuota) {
        return new FunctionDefinition(name, "nodejs20", "index.handler", null, null, null, null, null, podConcurrentQuota);
    }

    // ------------------------------------------------------------ happy path

    @Test
    void createGetListUpdateDelete() throws Exception {
        FunctionStore store = open();
        Instant before = Instant.now();
        FunctionConfiguration b = store.create(def("b"), ZIP_A);
        FunctionConfiguration a = store.create(
                new FunctionDefinition("a", "python3", "app.handler", 512, 60, "hello",
                        new FunctionEnvironment(Map.of("KEY", "value"))), ZIP_B);

        assertEquals("b", b.functionName());
        assertEquals("nodejs20", b.runtime());
        assertEquals("index.handler", b.handler());
        assertEquals(128, b.memorySize());
        assertEquals(3, b.timeout());
        assertEquals("", b.description());
        assertEquals(Map.of(), b.environment().variables());
        assertEquals(FunctionConfiguration.LATEST, b.version());
        assertEquals(Base64.getEncoder().encodeToString(FunctionStore.sha256(ZIP_A)), b.codeSha256());
        assertEquals(ZIP_A.length, b.codeSize());
        assertFalse(Instant.parse(b.lastModified()).isBefore(before.minusSeconds(1)));
        assertEquals(36, b.revisionId().length());

        assertEquals(512, a.memorySize());
        assertEquals(60, a.timeout());
        assertEquals("hello", a.description());
        assertEquals(Map.of("KEY", "value"), a.environment().variables());

        assertEquals(b, store.get("b").orElseThrow());
        assertTrue(store.get("c").isEmpty());
        assertTrue(store.get(null).isEmpty());
        assertEquals(List.of(a, b), store.list());

        Path code = store.codeDirectory(b);
        assertEquals(dir.resolve("code").resolve(HexFormat.of().formatHex(FunctionStore.sha256(ZIP_A))), code);
        assertEquals(Map.of("index.js", "exports.handler = async () => 'A';", "lib/util.js", "// util A"),
                Zips.files(code));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(code.resolve("index.js"))));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(code.resolve("lib"))));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(code)));
        assertTrue(Files.isRegularFile(dir.resolve("functions/b.json")));

        FunctionConfiguration b2 = store.updateCode("b", ZIP_B);
        assertEquals(Base64.getEncoder().encodeToString(FunctionStore.sha256(ZIP_B)), b2.codeSha256());
        assertNotEquals(b.revisionId(), b2.revisionId());
        assertEquals(b.handler(), b2.handler());
        assertEquals(store.codeDirectory(a), store.codeDirectory(b2), "same zip, same code directory");
        assertTrue(Files.isDirectory(code), "old code stays while the engine runs");

        FunctionConfiguration b3 = store.updateConfiguration("b",
                new FunctionDefinition("ignored", null, null, 1024, null, "new", null));
        assertEquals("b", b3.functionName());
        assertEquals(1024, b3.memorySize());
        assertEquals("new", b3.description());
        assertEquals(3, b3.timeout());
        assertEquals("nodejs20", b3.runtime());
        assertEquals(b2.codeSha256(), b3.codeSha256());
        assertEquals(b2.codeSize(), b3.codeSize());
        assertNotEquals(b2.revisionId(), b3.revisionId());
        assertTrue(store.get("ignored").isEmpty());

        store.delete("b");
        assertTrue(store.get("b").isEmpty());
        assertFalse(Files.exists(dir.resolve("functions/b.json")));
        assertEquals(List.of(a), store.list());
        assertNoTemporaries();
    }

    @Test
    void createOrReplaceCreatesThenReplacesEverything() throws Exception {
        FunctionStore store = open();
        FunctionConfiguration first = store.createOrReplace(
                new FunctionDefinition("f", "nodejs20", "index.handler", 512, 10, "one", null), ZIP_A);
        FunctionConfiguration second = store.createOrReplace(
                new FunctionDefinition("f", "python3", "app.main", null, null, null, null), ZIP_B);
        assertEquals("python3", second.runtime());
        assertEquals("app.main", second.handler());
        assertEquals(128, second.memorySize(), "replace, not merge");
        assertEquals("", second.description());
        assertNotEquals(first.codeSha256(), second.codeSha256());
        assertNotEquals(first.revisionId(), second.revisionId());
        assertEquals(List.of(second), store.list());
    }

    @Test
    void reopenSeesTheSameFunctionsAndCollectsUnreferencedCode() throws Exception {
        FunctionStore store = open();
        FunctionConfiguration f = store.create(def("f"), ZIP_A);
        FunctionConfiguration g = store.create(new FunctionDefinition("g", "python3", "a/b/c.handler", 2048, 900,
                "x", new FunctionEnvironment(Map.of("A", "1", "B_2", "two"))), ZIP_A);
        Path oldCode = store.codeDirectory(f);
        FunctionConfiguration f2 = store.updateCode("f", ZIP_B);
        store.updateCode("g", ZIP_B);
        FunctionConfiguration g3 = store.updateConfiguration("g", new FunctionDefinition(null, null, null, null, null, "y", null));
        assertTrue(Files.isDirectory(oldCode));

        FunctionStore reopened = open();
        assertEquals(List.of(f2, g3), reopened.list());
        assertFalse(Files.exists(oldCode), "unreferenced code is collected at open");
        assertTrue(Files.isDirectory(reopened.codeDirectory(f2)));
        assertEquals(Map.of("A", "1", "B_2", "two"), reopened.get("g").orElseThrow().environment().variables());
        assertNoTemporaries();

        reopened.delete("f");
        reopened.delete("g");
        open();
        try (Stream<Path> code = Files.list(dir.resolve("code"))) {
            assertEquals(0, code.count(), "nothing referenced, nothing kept");
        }
    }

    @Test
    void leftoversOfInterruptedWritesAreRemovedOnOpen() throws Exception {
        FunctionStore store = open();
        FunctionConfiguration f = store.create(def("f"), ZIP_A);
        Path tmpCode = Files.createDirectories(dir.resolve("code/.tmp-1234/lib"));
        Files.writeString(tmpCode.resolve("x.js"), "partial");
        Files.writeString(dir.resolve("functions/.f.json.tmp-5678"), "{\"FunctionName\": \"f\", \"Runt");
        Files.writeString(dir.resolve("functions/.tmp-9"), "x");

        FunctionStore reopened = open();
        assertEquals(List.of(f), reopened.list());
        assertNoTemporaries();
        assertFalse(Files.exists(dir.resolve("functions/.tmp-9")));
    }

    @Test
    void corruptMetadataIsSetAsideAndTheRestLoads() throws Exception {
        FunctionStore store = open();
        FunctionConfiguration good = store.create(def("good"), ZIP_A);
        store.create(def("bad"), ZIP_B);
        store.create(def("renamed"), ZIP_B);
        Files.writeString(dir.resolve("functions/bad.json"), "{\"FunctionName\": \"bad\", \"Runti");
        String renamed = Files.readString(dir.resolve("functions/renamed.json")).replace("\"renamed\"", "\"other\"");
        Files.writeString(dir.resolve("functions/renamed.json"), renamed);

        FunctionStore reopened = open();
        assertEquals(List.of(good), reopened.list());
        assertTrue(Files.exists(dir.resolve("functions/bad.json.corrupt")));
        assertFalse(Files.exists(dir.resolve("functions/bad.json")));
        assertTrue(Files.exists(dir.resolve("functions/renamed.json.corrupt")));
        assertFalse(Files.exists(dir.resolve("code").resolve(HexFormat.of().formatHex(FunctionStore.sha256(ZIP_B)))),
                "code of set-aside functions is no longer referenced");
        // the name is free again
        reopened.create(def("bad"), ZIP_B);
        assertEquals(2, open().list().size());
    }

    @Test
    void codeIsSharedAndAFailedRaceForTheSameZipIsHarmless() throws Exception {
        FunctionStore store = open();
        FunctionConfiguration a = store.create(def("a"), ZIP_A);
        FunctionConfiguration b = store.create(def("b"), ZIP_A);
        assertEquals(store.codeDirectory(a), store.codeDirectory(b));
        try (Stream<Path> code = Files.list(dir.resolve("code"))) {
            assertEquals(1, code.count());
        }
    }

    @Test
    void eachNewPackageIsPreparedForItsFunctionsRuntimeBeforeItIsPublished() throws Exception {
        List<String> preparedFor = new ArrayList<>();
        preparer = (runtime, code) -> {
            preparedFor.add(runtime);
            assertTrue(code.getFileName().toString().startsWith(".tmp-"), "not published yet: " + code);
            assertTrue(Files.isRegularFile(code.resolve("index.js")), "unpacked");
            try {
                Path cache = Files.createDirectory(code.resolve("cache"),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Files.writeString(cache.resolve("prepared"), runtime);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        FunctionStore store = open();
        FunctionConfiguration a = store.create(def("a"), ZIP_A);
        store.create(new FunctionDefinition("b", "python3", "index.handler", null, null, null, null), ZIP_A);
        FunctionConfiguration updated = store.updateCode("a", ZIP_B);
        assertEquals(List.of("nodejs20", "nodejs20"), preparedFor, "once per package, by the runtime that brought it");
        for (FunctionConfiguration f : List.of(a, updated)) {
            Path cache = store.codeDirectory(f).resolve("cache");
            assertEquals("nodejs20", Files.readString(cache.resolve("prepared")));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)),
                    "readable in sandboxes, as the package's own directories");
        }
        assertNoTemporaries();
    }

    @Test
    void aPreparationThatFailsStillDeploysTheFunction() throws Exception {
        preparer = (runtime, code) -> {
            throw new IllegalStateException("the compiler crashed");
        };
        FunctionStore store = open();
        FunctionConfiguration f = store.create(def("f"), ZIP_A);
        assertEquals("exports.handler = async () => 'A';", Files.readString(store.codeDirectory(f).resolve("index.js")));
        assertEquals(f, open().get("f").orElseThrow());
        assertNoTemporaries();
    }

    // ------------------------------------------------------------ 409 / 404

    @Test
    void createOfAnExistingNameIsAConflictAndWritesNothing() throws Exception {
        FunctionStore store = open();
        FunctionConfiguration f = store.create(def("f"), ZIP_A);
        Map<String, String> before = Zips.snapshot(dir);
        FaasException e = fails(ErrorCode.RESOURCE_CONFLICT, () -> store.create(def("f"), ZIP_B));
        assertEquals("Function already exist: f", e.getMessage());
        assertEquals(409, e.errorCode().status());
        assertEquals(before, Zips.snapshot(dir));
        assertEquals(f, store.get("f").orElseThrow());
    }

    @Test
    void changesToAMissingFunctionAreNotFoundAndWriteNothing() throws Exception {
        FunctionStore store = open();
        store.create(def("f"), ZIP_A);
        Map<String, String> before = Zips.snapshot(dir);
        List<Runnable> actions = List.of(
                () -> store.updateCode("g", ZIP_B),
                () -> store.updateConfiguration("g", new FunctionDefinition(null, null, null, 256, null, null, null)),
                () -> store.delete("g"));
        for (Runnable action : actions) {
            FaasException e = fails(ErrorCode.RESOURCE_NOT_FOUND, action);
            assertEquals("Function not found: g", e.getMessage());
            assertEquals(404, e.errorCode().status());
            assertEquals(before, Zips.snapshot(dir));
        }
    }

    // ------------------------------------------------------------ 400

    static Stream<Arguments> invalidDefinitions() {
        String big = "x".repeat(4000);
        return Stream.of(
                Arguments.of(new FunctionDefinition(null, "nodejs20", "index.handler", null, null, null, null), "FunctionName"),
                Arguments.of(new FunctionDefinition("bad name", "nodejs20", "index.handler", null, null, null, null), "FunctionName"),
                Arguments.of(new FunctionDefinition("x".repeat(65), "nodejs20", "index.handler", null, null, null, null), "FunctionName"),
                Arguments.of(new FunctionDefinition("../etc", "nodejs20", "index.handler", null, null, null, null), "FunctionName"),
                Arguments.of(new FunctionDefinition("f", null, "index.handler", null, null, null, null), "Runtime"),
                Arguments.of(new FunctionDefinition("f", "java8", "index.handler", null, null, null, null), "Runtime"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", null, null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index", null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.", null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", ".handler", null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "/abs/index.handler", null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "../up.handler", null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "a/../../b.handler", null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "in dex.handler", null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "a".repeat(125) + ".abc", null, null, null, null), "Handler"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.handler", 127, null, null, null), "MemorySize"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.handler", 10241, null, null, null), "MemorySize"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.handler", null, 0, null, null), "Timeout"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.handler", null, 901, null, null), "Timeout"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.handler", null, null, "d".repeat(257), null), "Description"),
                Arguments.of(quota("f", -1), "PodConcurrentQuota"),
                Arguments.of(quota("f", 1001), "PodConcurrentQuota"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.handler", null, null, null,
                        new FunctionEnvironment(Map.of("1BAD", "x"))), "Environment"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.handler", null, null, null,
                        new FunctionEnvironment(Map.of("BAD-NAME", "x"))), "Environment"),
                Arguments.of(new FunctionDefinition("f", "nodejs20", "index.handler", null, null, null,
                        new FunctionEnvironment(Map.of("A", big, "B", "y".repeat(100)))), "Environment"));
    }

    @ParameterizedTest
    @MethodSource("invalidDefinitions")
    void invalidDefinitionsAreRefusedWithTheFieldNamedAndWriteNothing(FunctionDefinition d, String field) throws Exception {
        FunctionStore store = open();
        Map<String, String> before = Zips.snapshot(dir);
        FaasException e = fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.create(d, ZIP_A));
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertEquals(400, e.errorCode().status());
        assertEquals("InvalidParameterValueException", e.errorCode().code());
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.createOrReplace(d, ZIP_A));
        assertEquals(before, Zips.snapshot(dir));
        assertTrue(store.list().isEmpty());
    }

    @Test
    void unknownRuntimeNamesTheInstalledOnesSorted() throws Exception {
        FunctionStore store = open();
        FaasException e = fails(ErrorCode.INVALID_PARAMETER_VALUE,
                () -> store.create(new FunctionDefinition("f", "java8", "index.handler", null, null, null, null), ZIP_A));
        assertTrue(e.getMessage().contains("'java8' at 'Runtime'"), e.getMessage());
        assertTrue(e.getMessage().endsWith("[nodejs12, nodejs20, python3]"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"index.handler", "src/app.handler", "pkg.module.handler", "a/b-c_d/e.f", "index.handler.x"})
    void validHandlersAreAccepted(String handler) throws Exception {
        FunctionStore store = open();
        assertEquals(handler, store.create(new FunctionDefinition("f", "python3", handler, null, null, null, null), ZIP_A).handler());
    }

    @Test
    void limitsAreInclusive() throws Exception {
        FunctionStore store = open();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("A", "x".repeat(4095)); // 1 + 4095 = 4096 bytes
        FunctionConfiguration f = store.create(new FunctionDefinition("f", "python3", "a.b", 10240, 900,
                "d".repeat(256), new FunctionEnvironment(env)), ZIP_A);
        assertEquals(10240, f.memorySize());
        store.updateConfiguration("f", new FunctionDefinition(null, null, null, 128, 1, "", null));
    }

    @Test
    void zipIsRequired() throws Exception {
        FunctionStore store = open();
        Map<String, String> before = Zips.snapshot(dir);
        assertTrue(fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.create(def("f"), null)).getMessage().contains("ZipFile"));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.create(def("f"), new byte[0]));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.createOrReplace(def("f"), null));
        store.create(def("g"), ZIP_A);
        Map<String, String> withG = Zips.snapshot(dir);
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateCode("g", null));
        assertEquals(withG, Zips.snapshot(dir));
        assertFalse(before.equals(withG));
    }

    @Test
    void invalidConfigurationUpdatesChangeNothing() throws Exception {
        FunctionStore store = open();
        FunctionConfiguration f = store.create(def("f"), ZIP_A);
        Map<String, String> before = Zips.snapshot(dir);
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateConfiguration("f", new FunctionDefinition(null, "java8", null, null, null, null, null)));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateConfiguration("f", new FunctionDefinition(null, null, "nodot", null, null, null, null)));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateConfiguration("f", new FunctionDefinition(null, null, null, 64, null, null, null)));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateConfiguration("f", new FunctionDefinition(null, null, null, null, 1000, null, null)));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateConfiguration("f", null));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateConfiguration("bad name", def("x")));
        assertEquals(before, Zips.snapshot(dir));
        assertEquals(f, store.get("f").orElseThrow());
    }

    // ------------------------------------------------------------ zips

    static Stream<Arguments> badZips() {
        byte[] truncated = java.util.Arrays.copyOf(ZIP_A, ZIP_A.length / 2);
        byte[] flipped = ZIP_A.clone();
        int dataStart = 30 + (flipped[26] & 0xff) + ((flipped[27] & 0xff) << 8) + (flipped[28] & 0xff) + ((flipped[29] & 0xff) << 8);
        flipped[dataStart + 3] ^= 0x55; // inside the first entry's compressed data
        return Stream.of(
                Arguments.of("not a zip", "hello world, this is not a zip".getBytes(StandardCharsets.UTF_8)),
                Arguments.of("empty zip", Zips.zip()),
                Arguments.of("truncated", truncated),
                Arguments.of("corrupt data", flipped));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badZips")
    void unreadableZipsAreRefusedAndLeaveNothing(String what, byte[] zip) throws Exception {
        FunctionStore store = open();
        Map<String, String> before = Zips.snapshot(dir);
        FaasException e = fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.create(def("f"), zip));
        assertTrue(e.getMessage().startsWith("Could not unzip uploaded file"), e.getMessage());
        assertEquals(before, Zips.snapshot(dir));
        assertTrue(store.list().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../evil.txt", "/etc/evil.txt", "a/../../evil.txt", "C:/evil.txt", "c:evil.txt",
            "..\\evil.txt", "a\\..\\..\\evil.txt", "..", "a/.."})
    void zipSlipEntriesAreRefusedAndLeaveNothing(String entry) throws Exception {
        FunctionStore store = open();
        store.create(def("f"), ZIP_A);
        FunctionConfiguration f = store.get("f").orElseThrow();
        Map<String, String> before = Zips.snapshot(dir);
        byte[] zip = Zips.zip("index.js", "ok", entry, "pwned");
        FaasException e = fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateCode("f", zip));
        assertTrue(e.getMessage().startsWith("Could not unzip uploaded file"), e.getMessage());
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.create(def("g"), zip));
        assertEquals(before, Zips.snapshot(dir));
        assertEquals(f, store.get("f").orElseThrow(), "a failed deploy does not change the function");
        assertFalse(Files.exists(dir.getParent().resolve("evil.txt")));
    }

    @Test
    void directoryEntriesAndHarmlessDotsUnpack() throws Exception {
        FunctionStore store = open();
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("empty/", null);
        entries.put("src/", null);
        entries.put("./src/./app.py", "def handler(e, c): return 1");
        entries.put("src/a..b.py", "dots in a name are fine");
        byte[] zip = Zips.zip(entries);
        FunctionConfiguration f = store.create(new FunctionDefinition("f", "python3", "src/app.handler", null, null, null, null), zip);
        Path code = store.codeDirectory(f);
        assertTrue(Files.isDirectory(code.resolve("empty")));
        assertEquals(Map.of("src/app.py", "def handler(e, c): return 1", "src/a..b.py", "dots in a name are fine"),
                Zips.files(code));
    }

    @Test
    void entriesConflictingWithDirectoriesAreRefused() throws Exception {
        FunctionStore store = open();
        Map<String, String> before = Zips.snapshot(dir);
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.create(def("f"), Zips.zip("a/", null, "a", "file")));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.create(def("f"), Zips.zip("a", "file", "a/b", "x")));
        assertEquals(before, Zips.snapshot(dir));
    }

    @Test
    void zipBombIsRefusedWith413WithoutInflatingIt() throws Exception {
        byte[] bomb = Zips.zeros("zeros.bin", 300L * 1024 * 1024);
        assertTrue(bomb.length < 1024 * 1024, "the bomb is small: " + bomb.length);
        FunctionStore store = open(FunctionStore.DEFAULT_MAX_ZIPPED_BYTES, 1024 * 1024);
        Map<String, String> before = Zips.snapshot(dir);
        long start = System.nanoTime();
        FaasException e = fails(ErrorCode.REQUEST_TOO_LARGE, () -> store.create(def("f"), bomb));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 5_000, "stops early");
        assertEquals(413, e.errorCode().status());
        assertTrue(e.getMessage().contains("Unzipped size"), e.getMessage());
        assertEquals(before, Zips.snapshot(dir));

        // a package just at the limit is accepted, one byte more is not
        store.create(def("ok"), Zips.zeros("zeros.bin", 1024 * 1024));
        fails(ErrorCode.REQUEST_TOO_LARGE, () -> store.create(def("f"), Zips.zeros("zeros.bin", 1024 * 1024 + 1)));
    }

    @Test
    void limitsApplyEvenWhenTheCodePackageIsAlreadyStored() throws Exception {
        byte[] zip = Zips.zeros("zeros.bin", 512 * 1024);
        open().create(def("a"), zip);
        FunctionStore strict = open(FunctionStore.DEFAULT_MAX_ZIPPED_BYTES, 100 * 1024);
        Map<String, String> before = Zips.snapshot(dir);
        fails(ErrorCode.REQUEST_TOO_LARGE, () -> strict.create(def("b"), zip));
        assertEquals(before, Zips.snapshot(dir));
        // and an accepted duplicate does not unpack a second copy
        FunctionConfiguration c = open().create(def("c"), zip);
        assertEquals(open().get("a").orElseThrow().codeSha256(), c.codeSha256());
    }

    @Test
    void manySmallFilesOverTheUnzippedLimitAre413() throws Exception {
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            entries.put("f" + i + ".txt", "x".repeat(100_000));
        }
        FunctionStore store = open(FunctionStore.DEFAULT_MAX_ZIPPED_BYTES, 1_000_000);
        Map<String, String> before = Zips.snapshot(dir);
        fails(ErrorCode.REQUEST_TOO_LARGE, () -> store.create(def("f"), Zips.zip(entries)));
        assertEquals(before, Zips.snapshot(dir));
    }

    @Test
    void zippedSizeOverTheLimitIs413() throws Exception {
        FunctionStore store = open(100, FunctionStore.DEFAULT_MAX_UNZIPPED_BYTES);
        byte[] zip = Zips.zip("index.js", "x".repeat(1000) + Math.random());
        assertTrue(zip.length > 100);
        Map<String, String> before = Zips.snapshot(dir);
        FaasException e = fails(ErrorCode.REQUEST_TOO_LARGE, () -> store.create(def("f"), zip));
        assertTrue(e.getMessage().contains("Zipped"), e.getMessage());
        assertEquals(before, Zips.snapshot(dir));
    }

    @Test
    void aFailedCodeUpdateLeavesTheFunctionAsItWas() throws Exception {
        FunctionStore store = open(FunctionStore.DEFAULT_MAX_ZIPPED_BYTES, 1024 * 1024);
        FunctionConfiguration f = store.create(def("f"), ZIP_A);
        Map<String, String> before = Zips.snapshot(dir);
        fails(ErrorCode.REQUEST_TOO_LARGE, () -> store.updateCode("f", Zips.zeros("big", 2 * 1024 * 1024)));
        fails(ErrorCode.INVALID_PARAMETER_VALUE, () -> store.updateCode("f", "nope".getBytes(StandardCharsets.UTF_8)));
        fails(ErrorCode.REQUEST_TOO_LARGE, () -> store.createOrReplace(def("f"), Zips.zeros("big", 2 * 1024 * 1024)));
        assertEquals(before, Zips.snapshot(dir));
        assertEquals(f, store.get("f").orElseThrow());
        assertEquals(f, open(FunctionStore.DEFAULT_MAX_ZIPPED_BYTES, 1024 * 1024).get("f").orElseThrow());
    }

    @Test
    void codeDirectoryConvertsBase64ToHex() throws Exception {
        FunctionStore store = open();
        byte[] digest = FunctionStore.sha256(ZIP_B);
        FunctionConfiguration c = new FunctionConfiguration("x", "python3", "a.b", 128, 3, "", FunctionEnvironment.empty(),
                Base64.getEncoder().encodeToString(digest), 1, "$LATEST", "", "");
        assertEquals(dir.resolve("code").resolve(HexFormat.of().formatHex(digest)), store.codeDirectory(c));
        assertThrows(IllegalArgumentException.class, () -> store.codeDirectory(
                new FunctionConfiguration("x", "python3", "a.b", 128, 3, "", null, "!!", 1, "$LATEST", "", "")));
    }

    void assertNoTemporaries() throws IOException {
        for (String sub : List.of("functions", "code")) {
            try (Stream<Path> entries = Files.list(dir.resolve(sub))) {
                List<Path> temps = entries.filter(p -> p.getFileName().toString().contains(".tmp-")).toList();
                assertEquals(List.of(), temps);
            }
        }
    }
}
