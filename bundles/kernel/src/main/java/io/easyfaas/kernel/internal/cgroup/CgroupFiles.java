package io.easyfaas.kernel.internal.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import io.easyfaas.api.kernel.KernelException;

/** Reads and writes of cgroup interface files; failures become {@link KernelException}s naming the file. */
final class CgroupFiles {
    /** How long freezing or emptying a group may take before it counts as failed. */
    private static final long SETTLE_NANOS = 1_000_000_000L;

    private CgroupFiles() {
    }

    /** {@code path} under {@code root}, refusing paths that could leave it. */
    static Path resolve(Path root, String path) {
        if (path.isEmpty() || path.startsWith("/")
                || Stream.of(path.split("/")).anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
            throw new IllegalArgumentException("a cgroup path is relative, without empty, . or .. segments: '" + path + "'");
        }
        return root.resolve(path);
    }

    static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new KernelException("read " + file + ": " + e.getMessage(), e);
        }
    }

    static long readLong(Path file) {
        return Long.parseLong(read(file));
    }

    /** The value of {@code key} in a flat-keyed file ("key value" lines), 0 when absent. */
    static long keyed(Path file, String key) {
        for (String line : read(file).split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2 && fields[0].equals(key)) {
                return Long.parseLong(fields[1]);
            }
        }
        return 0;
    }

    /** One write(2) of {@code value}, to a file that must exist, as interface files do. */
    static void write(Path file, String value) {
        try {
            Files.writeString(file, value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new KernelException("write '" + value + "' to " + file + ": " + e.getMessage(), e);
        }
    }

    static List<Integer> pids(Path procs) {
        List<Integer> pids = new ArrayList<>();
        for (String line : read(procs).split("\n")) {
            if (!line.isBlank()) {
                pids.add(Integer.parseInt(line.trim()));
            }
        }
        return pids;
    }

    static void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new KernelException("mkdir " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Names of the subdirectories (child groups) of {@code directory}; empty when it does not exist. */
    static List<String> children(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new KernelException("list " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Polls {@code done} for up to a second; fails with {@code what} if it never holds. */
    static void await(BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        long pauseMillis = 1;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new KernelException(what, 0);
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KernelException("interrupted while waiting: " + what, e);
            }
            pauseMillis = Math.min(pauseMillis * 2, 20);
        }
    }
}
