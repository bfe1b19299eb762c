package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where sandboxes keep their files: a work directory each (removed with the sandbox), the output
 * logs (kept), and the runtimes' sockets. Socket paths are limited to 108 bytes by the kernel, so
 * a long data directory puts them under the system temp directory instead.
 */
final class SandboxDirectories {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxDirectories.class);
    /** Room for the longest socket file name within sun_path's 108 bytes. */
    private static final int MAX_SOCKET_DIRECTORY_LENGTH = 80;

    private final Path data;
    private final Path work;
    private final Path logs;
    private final Path sockets;

    SandboxDirectories(Path dataDirectory) {
        data = dataDirectory.toAbsolutePath().normalize();
        work = data.resolve("sandboxes");
        logs = data.resolve("logs").resolve("sandboxes");
        Path preferredSockets = data.resolve("run");
        sockets = preferredSockets.toString().length() <= MAX_SOCKET_DIRECTORY_LENGTH
                ? preferredSockets
                : Path.of(System.getProperty("java.io.tmpdir"), "easyfaas-" + shortHash(data.toString()));
    }

    /** Removes what an earlier engine process left behind, and makes the directories. */
    void reclaim() throws IOException {
        deleteTree(work);
        deleteTree(sockets);
        Files.createDirectories(work);
        Files.createDirectories(empty());
        Files.createDirectories(sockets);
        Files.createDirectories(logs);
    }

    Path data() {
        return data;
    }

    /** An empty directory that hides the data directory from sandboxes that could see it. */
    Path empty() {
        return work.resolve(".empty");
    }

    /**
     * This engine's name in shared host namespaces such as the cgroup tree: derived from the
     * data directory, so engines with their own data never touch each other's sandboxes.
     */
    String instanceName() {
        return "easyfaas-" + shortHash(data.toString());
    }

    Path work(String sandboxId) {
        return work.resolve(sandboxId);
    }

    Path socket(String sandboxId) {
        return sockets.resolve(sandboxId + ".sock");
    }

    Path logs() {
        return logs;
    }

    void deleteWork(String sandboxId) {
        try {
            deleteTree(work(sandboxId));
        } catch (IOException e) {
            LOG.warn("Could not remove the work directory of sandbox {}; it goes at the next start", sandboxId, e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
