package io.easyfaas.api.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.osgi.framework.Bundle;

/**
 * Helpers for {@link RuntimeAdapter} implementations: unpacking a plugin's bootstrap files out of
 * its bundle, and choosing an interpreter.
 */
public final class BootstrapFiles {

    private static final Set<PosixFilePermission> READ_ONLY_FILE =
            PosixFilePermissions.fromString("r--r--r--");
    private static final Set<PosixFilePermission> READ_ONLY_DIR =
            PosixFilePermissions.fromString("r-xr-xr-x");
    private static final Set<PosixFilePermission> WRITABLE_DIR =
            PosixFilePermissions.fromString("rwxr-xr-x");

    private BootstrapFiles() {
    }

    /**
     * Copies the entries of {@code bundle} under {@code entryFolder} (recursively, fragments
     * included) into a directory of {@code targetRoot} named after the folder and the bundle's
     * revision ({@link Bundle#getLastModified()}), and deletes the copies of older revisions but
     * the newest of them (sandboxes the previous revision just started may still be opening
     * theirs), so an updated bundle never runs stale files. The copy is made read-only. A complete copy of the same
     * revision is reused; a copy is only ever seen complete, as it is written under a temporary
     * name and then renamed.
     *
     * @param bundle the bundle holding the files
     * @param entryFolder the folder inside the bundle, e.g. {@code bootstrap}
     * @param targetRoot a directory owned by the caller, typically from
     *        {@code BundleContext.getDataFile("")}
     * @return the directory holding the files
     * @throws IOException if the bundle has no such folder or the files cannot be written
     */
    public static Path extract(Bundle bundle, String entryFolder, Path targetRoot) throws IOException {
        String folder = trimSlashes(entryFolder);
        String prefix = folder.replace('/', '-') + "-";
        Path target = targetRoot.resolve(prefix + bundle.getLastModified());
        Files.createDirectories(targetRoot);
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            Path staging = Files.createTempDirectory(targetRoot, ".staging-");
            try {
                copyEntries(bundle, folder, staging);
                makeReadOnly(staging);
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                deleteTree(staging);
                if (!Files.isDirectory(target)) { // another thread may have won the race
                    throw e;
                }
            }
        }
        deleteOlderRevisions(targetRoot, prefix, target);
        return target;
    }

    /**
     * Deletes the copies of other revisions except the newest of them: a sandbox that the
     * previous revision started just before the update may not have opened its files yet.
     */
    private static void deleteOlderRevisions(Path targetRoot, String prefix, Path keep) throws IOException {
        List<Path> others = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(targetRoot)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(".staging-")) {
                    deleteTree(p);
                } else if (!p.equals(keep) && name.startsWith(prefix)) {
                    others.add(p);
                }
            }
        }
        others.sort(Comparator.comparingLong(p -> revisionOf(p, prefix)));
        for (Path old : others.subList(0, Math.max(0, others.size() - 1))) {
            deleteTree(old);
        }
    }

    private static long revisionOf(Path copy, String prefix) {
        try {
            return Long.parseLong(copy.getFileName().toString().substring(prefix.length()));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE; // not a copy this class made: the first to go
        }
    }

    /**
     * The first of {@code candidates} that is an executable regular file (symbolic links are
     * followed but the path is returned as given). Blank candidates are skipped. Only absolute
     * paths are considered, never a lookup on {@code PATH}: version-manager shims found there
     * cost start time on every sandbox.
     *
     * @throws IllegalArgumentException if a non-blank candidate is not an absolute path
     */
    public static Optional<Path> firstExecutable(String... candidates) {
        for (String candidate : candidates) {
            if (candidate == null || candidate.isBlank()) {
                continue;
            }
            Path path = Path.of(candidate.strip());
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("interpreter must be an absolute path: " + candidate);
            }
            if (Files.isRegularFile(path) && Files.isExecutable(path)) {
                return Optional.of(path);
            }
        }
        return Optional.empty();
    }

    private static void copyEntries(Bundle bundle, String folder, Path staging) throws IOException {
        Enumeration<URL> entries = bundle.findEntries(folder, "*", true);
        if (entries == null || !entries.hasMoreElements()) {
            throw new IOException("bundle " + bundle.getSymbolicName() + " has no entries in /" + folder);
        }
        String base = "/" + folder + "/";
        while (entries.hasMoreElements()) {
            URL url = entries.nextElement();
            String path = url.getPath();
            if (!path.startsWith(base)) {
                continue;
            }
            String relative = path.substring(base.length());
            if (relative.isEmpty()) {
                continue;
            }
            Path out = staging.resolve(relative).normalize();
            if (!out.startsWith(staging)) {
                throw new IOException("bundle entry escapes its folder: " + path);
            }
            if (relative.endsWith("/")) {
                Files.createDirectories(out);
                continue;
            }
            Files.createDirectories(out.getParent());
            try (InputStream in = url.openStream()) {
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void makeReadOnly(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                setPermissions(file, READ_ONLY_FILE);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                setPermissions(dir, READ_ONLY_DIR);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                setPermissions(dir, WRITABLE_DIR); // read-only directories refuse to lose entries
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void setPermissions(Path path, Set<PosixFilePermission> permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, permissions);
        } catch (UnsupportedOperationException e) {
            path.toFile().setWritable(permissions.contains(PosixFilePermission.OWNER_WRITE));
        }
    }

    private static String trimSlashes(String folder) {
        String f = folder;
        while (f.startsWith("/")) {
            f = f.substring(1);
        }
        while (f.endsWith("/")) {
            f = f.substring(0, f.length() - 1);
        }
        if (f.isEmpty()) {
            throw new IllegalArgumentException("entry folder must not be empty");
        }
        return f;
    }
}
