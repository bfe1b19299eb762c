package io.easyfaas.controller.internal.async;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON file per event invocation under {@code <data>/async/}. A write goes to a temporary
 * file, is forced to disk, then renamed over the old version and the directory is forced, so
 * after a crash at any moment a record is wholly its old or its new version.
 */
final class InvocationStore {
    private static final Logger LOG = LoggerFactory.getLogger(InvocationStore.class);
    private static final String SUFFIX = ".json";
    private static final String TEMPORARY = ".tmp";

    private final Path directory;
    private final ObjectMapper json = new ObjectMapper();

    InvocationStore(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
    }

    void write(StoredInvocation invocation) throws IOException {
        Path target = directory.resolve(invocation.requestId() + SUFFIX);
        Path temporary = directory.resolve(invocation.requestId() + SUFFIX + TEMPORARY);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(json.writeValueAsBytes(invocation));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory();
    }

    void delete(String requestId) throws IOException {
        Files.deleteIfExists(directory.resolve(requestId + SUFFIX));
    }

    /** Every stored record; leftovers of interrupted writes are removed, unreadable files skipped. */
    List<StoredInvocation> loadAll() throws IOException {
        List<StoredInvocation> loaded = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(TEMPORARY)) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(SUFFIX)) {
                    try {
                        loaded.add(json.readValue(file.toFile(), StoredInvocation.class));
                    } catch (IOException e) {
                        LOG.error("Skipping the unreadable event invocation record {}: {}", file, e.getMessage());
                    }
                }
            }
        }
        return loaded;
    }

    private void forceDirectory() throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
