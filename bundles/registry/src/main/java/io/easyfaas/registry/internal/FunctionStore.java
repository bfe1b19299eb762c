package io.easyfaas.registry.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.function.FunctionEnvironment;
import io.easyfaas.api.function.FunctionRegistry;

/**
 * The file store behind the registry, usable without OSGi.
 *
 * <p>Layout under the root directory: {@code functions/<name>.json} holds each function's
 * configuration, {@code code/<hex sha256 of the zip>/} its unpacked code, shared by every function
 * with the same zip. Code is unpacked into {@code code/.tmp-<uuid>/}, prepared by the runtime of
 * the function that brought it (bytecode, for instance), fsynced and renamed into
 * place before the metadata that references it is written to a temporary file, fsynced and
 * atomically renamed over the old one; so after a crash at any moment every function is either
 * fully old or fully new. Reads are served from memory; writes are serialised.
 */
public final class FunctionStore implements FunctionRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(FunctionStore.class);

    public static final long DEFAULT_MAX_ZIPPED_BYTES = 52_428_800L;
    public static final long DEFAULT_MAX_UNZIPPED_BYTES = 262_144_000L;

    static final String FUNCTIONS = "functions";
    static final String CODE = "code";
    static final String TMP = ".tmp-";
    static final String JSON = ".json";
    static final String CORRUPT = ".corrupt";
    static final Pattern CODE_DIR = Pattern.compile("[0-9a-f]{64}");

    static final int DEFAULT_MEMORY = 128;
    static final int DEFAULT_TIMEOUT = 3;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private final Path root;
    private final Path functionsDir;
    private final Path codeDir;
    private final long maxZippedBytes;
    private final CodeUnpacker unpacker;
    private final DefinitionValidator validator;
    private final BiConsumer<String, Path> codePreparer;
    private final ConcurrentHashMap<String, FunctionConfiguration> functions = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();

    private FunctionStore(Path root, long maxZippedBytes, long maxUnzippedBytes,
            Supplier<? extends Collection<String>> installedRuntimes, BiConsumer<String, Path> codePreparer) {
        this.root = root.toAbsolutePath().normalize();
        this.functionsDir = this.root.resolve(FUNCTIONS);
        this.codeDir = this.root.resolve(CODE);
        this.maxZippedBytes = maxZippedBytes;
        this.unpacker = new CodeUnpacker(maxUnzippedBytes);
        this.validator = new DefinitionValidator(installedRuntimes);
        this.codePreparer = codePreparer;
    }

    /**
     * Opens (creating if needed) the store under {@code root}: removes leftovers of interrupted
     * writes, loads every function, sets corrupt metadata aside and deletes unreferenced code.
     *
     * @param installedRuntimes the runtime names a function may use, asked on every write
     * @param codePreparer given a runtime name and a newly unpacked package, prepares the package
     *        for that runtime before it is published; what it throws is logged, and the package
     *        published as it is
     */
    public static FunctionStore open(Path root, long maxZippedBytes, long maxUnzippedBytes,
            Supplier<? extends Collection<String>> installedRuntimes, BiConsumer<String, Path> codePreparer)
            throws IOException {
        FunctionStore store = new FunctionStore(root, maxZippedBytes, maxUnzippedBytes, installedRuntimes, codePreparer);
        store.open();
        return store;
    }

    /** The JSON mapping of the metadata files: records with UpperCamelCase field names. */
    static ObjectMapper mapper() {
        return MAPPER;
    }

    Path root() {
        return root;
    }

    // ---------------------------------------------------------------- opening

    private void open() throws IOException {
        Files.createDirectories(functionsDir);
        Files.createDirectories(codeDir);
        removeLeftovers();
        load();
        collectGarbage();
        LOG.info("Function registry opened at {} with {} functions", root, functions.size());
    }

    private void removeLeftovers() throws IOException {
        for (Path dir : List.of(functionsDir, codeDir)) {
            boolean removed = false;
            for (Path entry : entries(dir)) {
                String name = entry.getFileName().toString();
                if (name.startsWith(".") && name.contains(TMP)) {
                    LOG.info("Removing leftover of an interrupted write: {}", entry);
                    FileSystemSync.deleteTree(entry);
                    removed = true;
                }
            }
            if (removed) {
                FileSystemSync.sync(dir);
            }
        }
    }

    private void load() throws IOException {
        for (Path file : entries(functionsDir)) {
            String fileName = file.getFileName().toString();
            if (fileName.startsWith(".") || !fileName.endsWith(JSON) || !Files.isRegularFile(file)) {
                continue;
            }
            String name = fileName.substring(0, fileName.length() - JSON.length());
            if (!DefinitionValidator.NAME.matcher(name).matches()) {
                LOG.warn("Ignoring {}: not a valid function name", file);
                continue;
            }
            try {
                FunctionConfiguration config = MAPPER.readValue(Files.readAllBytes(file), FunctionConfiguration.class);
                functions.put(name, checkLoaded(name, config));
            } catch (IOException | RuntimeException e) {
                setAside(file, e);
            }
        }
    }

    private FunctionConfiguration checkLoaded(String name, FunctionConfiguration c) {
        if (c == null) {
            throw new IllegalStateException("empty metadata");
        }
        if (!name.equals(c.functionName())) {
            throw new IllegalStateException("FunctionName '" + c.functionName() + "' does not match the file name");
        }
        Path code = codeDirectory(c); // validates CodeSha256
        if (!Files.isDirectory(code)) {
            throw new IllegalStateException("code directory " + code + " is missing");
        }
        return new FunctionConfiguration(c.functionName(), c.runtime(), c.handler(), c.memorySize(), c.timeout(),
                c.description() == null ? "" : c.description(),
                c.environment() == null ? FunctionEnvironment.empty() : c.environment(),
                c.codeSha256(), c.codeSize(),
                c.version() == null ? FunctionConfiguration.LATEST : c.version(),
                c.lastModified(), c.revisionId(), c.network(), c.podConcurrentQuota());
    }

    private void setAside(Path file, Exception cause) {
        Path aside = file.resolveSibling(file.getFileName() + CORRUPT);
        LOG.error("Function metadata {} is unreadable ({}); moving it aside to {}", file, cause.toString(), aside);
        try {
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            FileSystemSync.sync(functionsDir);
        } catch (IOException e) {
            LOG.error("Could not move {} aside", file, e);
        }
    }

    /** Deletes code directories no function references. Only at open: warm sandboxes may run older code. */
    private void collectGarbage() throws IOException {
        Set<String> referenced = new HashSet<>();
        for (FunctionConfiguration c : functions.values()) {
            referenced.add(hex(c.codeSha256()));
        }
        int collected = 0;
        for (Path dir : entries(codeDir)) {
            String name = dir.getFileName().toString();
            if (!CODE_DIR.matcher(name).matches() || referenced.contains(name)) {
                continue;
            }
            try {
                // rename first, so that a crash while deleting leaves a temp entry, never a partial package
                Path doomed = codeDir.resolve(TMP + UUID.randomUUID());
                Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
                FileSystemSync.sync(codeDir);
                FileSystemSync.deleteTree(doomed);
                collected++;
            } catch (IOException e) {
                LOG.warn("Could not delete unreferenced code {}", dir, e);
            }
        }
        if (collected > 0) {
            LOG.info("Deleted {} unreferenced code packages", collected);
        }
    }

    private static List<Path> entries(Path dir) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        }
        return entries;
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<FunctionConfiguration> get(String functionName) {
        return functionName == null ? Optional.empty() : Optional.ofNullable(functions.get(functionName));
    }

    @Override
    public List<FunctionConfiguration> list() {
        List<FunctionConfiguration> all = new ArrayList<>(functions.values());
        all.sort(Comparator.comparing(FunctionConfiguration::functionName));
        return List.copyOf(all);
    }

    @Override
    public Path codeDirectory(FunctionConfiguration function) {
        return codeDir.resolve(hex(function.codeSha256()));
    }

    // ---------------------------------------------------------------- writes

    @Override
    public FunctionConfiguration create(FunctionDefinition definition, byte[] zip) {
        Draft draft = draft(definition);
        requireZip(zip);
        if (functions.containsKey(draft.name)) {
            throw conflict(draft.name);
        }
        Code code = storeCode(zip, draft.runtime);
        synchronized (writeLock) {
            if (functions.containsKey(draft.name)) {
                throw conflict(draft.name);
            }
            return write(draft.with(code));
        }
    }

    @Override
    public FunctionConfiguration createOrReplace(FunctionDefinition definition, byte[] zip) {
        Draft draft = draft(definition);
        requireZip(zip);
        Code code = storeCode(zip, draft.runtime);
        synchronized (writeLock) {
            return write(draft.with(code));
        }
    }

    @Override
    public FunctionConfiguration updateCode(String functionName, byte[] zip) {
        DefinitionValidator.name(functionName);
        requireZip(zip);
        Code code = storeCode(zip, require(functionName).runtime());
        synchronized (writeLock) {
            FunctionConfiguration c = require(functionName);
            return write(new Draft(c.functionName(), c.runtime(), c.handler(), c.memorySize(), c.timeout(),
                    c.description(), c.environment(), c.network(), c.podConcurrentQuota()).with(code));
        }
    }

    @Override
    public FunctionConfiguration updateConfiguration(String functionName, FunctionDefinition changes) {
        DefinitionValidator.name(functionName);
        if (changes == null) {
            throw FaasException.invalid("Configuration changes are required");
        }
        synchronized (writeLock) {
            FunctionConfiguration c = require(functionName);
            String runtime = c.runtime();
            if (changes.runtime() != null) {
                validator.runtime(changes.runtime());
                runtime = changes.runtime();
            }
            String handler = c.handler();
            if (changes.handler() != null) {
                DefinitionValidator.handler(changes.handler());
                handler = changes.handler();
            }
            int memory = c.memorySize();
            if (changes.memorySize() != null) {
                DefinitionValidator.memorySize(changes.memorySize());
                memory = changes.memorySize();
            }
            int timeout = c.timeout();
            if (changes.timeout() != null) {
                DefinitionValidator.timeout(changes.timeout());
                timeout = changes.timeout();
            }
            String description = c.description();
            if (changes.description() != null) {
                DefinitionValidator.description(changes.description());
                description = changes.description();
            }
            FunctionEnvironment environment = c.environment();
            if (changes.environment() != null) {
                DefinitionValidator.environment(changes.environment());
                environment = changes.environment();
            }
            String network = c.network();
            if (changes.network() != null) {
                DefinitionValidator.network(changes.network());
                network = changes.network();
            }
            Integer podConcurrentQuota = c.podConcurrentQuota();
            if (changes.podConcurrentQuota() != null) {
                DefinitionValidator.podConcurrentQuota(changes.podConcurrentQuota());
                podConcurrentQuota = changes.podConcurrentQuota();
            }
            Draft draft = new Draft(c.functionName(), runtime, handler, memory, timeout, description, environment, network,
                    podConcurrentQuota);
            return write(draft.with(new Code(c.codeSha256(), c.codeSize())));
        }
    }

    @Override
    public void delete(String functionName) {
        DefinitionValidator.name(functionName);
        synchronized (writeLock) {
            require(functionName);
            try {
                Files.deleteIfExists(metadataFile(functionName));
                FileSystemSync.sync(functionsDir);
            } catch (IOException e) {
                throw new FaasException(ErrorCode.SERVICE, "Could not delete function " + functionName + ": " + e, e);
            }
            functions.remove(functionName);
            LOG.info("Deleted function {}", functionName);
        }
    }

    // ---------------------------------------------------------------- internals

    /** A validated configuration without its code and revision. */
    private record Draft(String name, String runtime, String handler, int memorySize, int timeout,
            String description, FunctionEnvironment environment, String network, Integer podConcurrentQuota) {

        FunctionConfiguration with(Code code) {
            return new FunctionConfiguration(name, runtime, handler, memorySize, timeout, description, environment,
                    code.sha256, code.size, FunctionConfiguration.LATEST, Instant.now().toString(),
                    UUID.randomUUID().toString(), network, podConcurrentQuota);
        }
    }

    private record Code(String sha256, long size) {
    }

    private Draft draft(FunctionDefinition d) {
        if (d == null) {
            throw FaasException.invalid("Function definition is required");
        }
        DefinitionValidator.name(d.functionName());
        validator.runtime(d.runtime());
        DefinitionValidator.handler(d.handler());
        int memory = d.memorySize() == null ? DEFAULT_MEMORY : d.memorySize();
        DefinitionValidator.memorySize(memory);
        int timeout = d.timeout() == null ? DEFAULT_TIMEOUT : d.timeout();
        DefinitionValidator.timeout(timeout);
        String description = d.description() == null ? "" : d.description();
        DefinitionValidator.description(description);
        FunctionEnvironment environment = d.environment() == null ? FunctionEnvironment.empty() : d.environment();
        DefinitionValidator.environment(environment);
        String network = d.network() == null ? FunctionDefinition.NETWORK_NONE : d.network();
        DefinitionValidator.network(network);
        DefinitionValidator.podConcurrentQuota(d.podConcurrentQuota());
        return new Draft(d.functionName(), d.runtime(), d.handler(), memory, timeout, description, environment, network,
                d.podConcurrentQuota());
    }

    private void requireZip(byte[] zip) {
        if (zip == null || zip.length == 0) {
            throw FaasException.invalid("ZipFile is required");
        }
        if (zip.length > maxZippedBytes) {
            throw FaasException.tooLarge("Zipped code size " + zip.length + " exceeds the limit of "
                    + maxZippedBytes + " bytes");
        }
    }

    private FunctionConfiguration require(String name) {
        FunctionConfiguration c = functions.get(name);
        if (c == null) {
            throw FaasException.notFound("Function not found: " + name);
        }
        return c;
    }

    private static FaasException conflict(String name) {
        return new FaasException(ErrorCode.RESOURCE_CONFLICT, "Function already exist: " + name);
    }

    /**
     * Validates and unpacks the zip into {@code code/<hex>/}, prepared for {@code runtime}, unless
     * that package is already there: a package is prepared once, for the runtime of the first
     * function that brought it.
     */
    private Code storeCode(byte[] zip, String runtime) {
        byte[] digest = sha256(zip);
        String hex = HexFormat.of().formatHex(digest);
        Code code = new Code(Base64.getEncoder().encodeToString(digest), zip.length);
        Path target = codeDir.resolve(hex);
        try {
            if (Files.isDirectory(target)) {
                unpacker.unpack(zip, null); // same checks (limits may have changed), nothing written
                return code;
            }
            Path tmp = codeDir.resolve(TMP + UUID.randomUUID());
            try {
                Files.createDirectory(tmp);
                unpacker.unpack(zip, tmp);
                prepare(runtime, tmp);
                CodeUnpacker.syncTree(tmp);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (!Files.isDirectory(target)) {
                        throw e;
                    }
                    // a concurrent upload of the same zip won: its copy is identical
                    FileSystemSync.deleteTree(tmp);
                }
                FileSystemSync.sync(codeDir);
                return code;
            } catch (IOException | RuntimeException | Error e) {
                deleteQuietly(tmp);
                throw e;
            }
        } catch (IOException e) {
            throw new FaasException(ErrorCode.SERVICE, "Could not store the code package: " + e, e);
        }
    }

    private void prepare(String runtime, Path unpacked) {
        try {
            codePreparer.accept(runtime, unpacked);
        } catch (RuntimeException e) {
            LOG.warn("The {} runtime could not prepare a code package; its cold starts do that work", runtime, e);
        }
    }

    /** Durably replaces the metadata file, then the in-memory entry. Caller holds the write lock. */
    private FunctionConfiguration write(FunctionConfiguration c) {
        Path target = metadataFile(c.functionName());
        Path tmp = functionsDir.resolve("." + c.functionName() + JSON + TMP + UUID.randomUUID());
        try {
            byte[] json = MAPPER.writeValueAsBytes(c);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(json);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            FileSystemSync.sync(functionsDir);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new FaasException(ErrorCode.SERVICE, "Could not store function " + c.functionName() + ": " + e, e);
        }
        functions.put(c.functionName(), c);
        LOG.info("Stored function {} (code {}, revision {})", c.functionName(), c.codeSha256(), c.revisionId());
        return c;
    }

    private Path metadataFile(String name) {
        return functionsDir.resolve(name + JSON);
    }

    private static void deleteQuietly(Path path) {
        try {
            FileSystemSync.deleteTree(path);
        } catch (IOException e) {
            LOG.warn("Could not delete {}", path, e);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The hex form of a base64 CodeSha256. */
    static String hex(String codeSha256) {
        byte[] digest;
        try {
            digest = codeSha256 == null ? null : Base64.getDecoder().decode(codeSha256);
        } catch (IllegalArgumentException e) {
            digest = null;
        }
        if (digest == null || digest.length != 32) {
            throw new IllegalArgumentException("CodeSha256 is not the base64 of a SHA-256 digest: " + codeSha256);
        }
        return HexFormat.of().formatHex(digest);
    }
}
