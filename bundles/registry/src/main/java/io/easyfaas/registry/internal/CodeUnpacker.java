package io.easyfaas.registry.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;

/**
 * Unpacks an uploaded zip, refusing entries that escape the target and counting the bytes
 * actually inflated (never trusting the sizes the headers claim). {@link #syncTree} then makes
 * the package durable, so that a later rename publishes complete content.
 */
final class CodeUnpacker {

    static final String CORRUPT_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again.";

    static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-r--r--");
    static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwxr-xr-x");

    private final long maxUnzippedBytes;

    CodeUnpacker(long maxUnzippedBytes) {
        this.maxUnzippedBytes = maxUnzippedBytes;
    }

    /**
     * Unpacks {@code zip} into the existing, empty directory {@code dest}; with {@code dest} null,
     * only validates (same checks, nothing written). Nothing is fsynced yet: see {@link #syncTree}.
     *
     * @return the number of unzipped bytes
     */
    long unpack(byte[] zip, Path dest) throws IOException {
        long total = 0;
        int entries = 0;
        byte[] buffer = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry entry;
            while ((entry = nextEntry(in)) != null) {
                entries++;
                String name = checkName(entry.getName());
                Path target = null;
                if (dest != null) {
                    target = resolve(dest, name);
                }
                if (entry.isDirectory()) {
                    if (target != null) {
                        createDirectories(target);
                    }
                    continue;
                }
                if (target == null) {
                    int n;
                    while ((n = read(in, buffer)) > 0) {
                        total = count(total, n);
                    }
                    continue;
                }
                if (target.equals(dest) || Files.isDirectory(target)) {
                    throw FaasException.invalid(CORRUPT_ZIP + " Entry '" + entry.getName() + "' conflicts with a directory");
                }
                createDirectories(target.getParent());
                try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                    int n;
                    while ((n = read(in, buffer)) > 0) {
                        total = count(total, n);
                        ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
                        while (bb.hasRemaining()) {
                            out.write(bb);
                        }
                    }
                }
                setPermissions(target, FILE_PERMS);
            }
        }
        if (entries == 0) {
            throw FaasException.invalid(CORRUPT_ZIP);
        }
        return total;
    }

    private long count(long total, int n) {
        long t = total + n;
        if (t > maxUnzippedBytes) {
            throw FaasException.tooLarge("Unzipped size must be smaller than " + maxUnzippedBytes + " bytes");
        }
        return t;
    }

    private static ZipEntry nextEntry(ZipInputStream in) {
        try {
            return in.getNextEntry();
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: entry name not valid in the zip's charset
            throw new FaasException(ErrorCode.INVALID_PARAMETER_VALUE, CORRUPT_ZIP, e);
        }
    }

    private static int read(ZipInputStream in, byte[] buffer) {
        try {
            return in.read(buffer, 0, buffer.length);
        } catch (IOException e) {
            throw new FaasException(ErrorCode.INVALID_PARAMETER_VALUE, CORRUPT_ZIP, e);
        }
    }

    /** Rejects names that are absolute, use backslashes, carry a drive letter or climb with {@code ..}. */
    static String checkName(String name) {
        boolean bad = name == null || name.isEmpty()
                || name.indexOf('\\') >= 0
                || name.indexOf('\0') >= 0
                || name.startsWith("/")
                || (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0)));
        if (!bad) {
            for (String segment : name.split("/", -1)) {
                if (segment.equals("..")) {
                    bad = true;
                    break;
                }
            }
        }
        if (bad) {
            throw FaasException.invalid("Could not unzip uploaded file: entry '" + name
                    + "' is not a relative path inside the package");
        }
        return name;
    }

    private static Path resolve(Path dest, String name) {
        Path target;
        try {
            target = dest.resolve(name).normalize();
        } catch (InvalidPathException e) {
            throw FaasException.invalid("Could not unzip uploaded file: entry '" + name + "' is not a valid path");
        }
        if (!target.startsWith(dest)) {
            throw FaasException.invalid("Could not unzip uploaded file: entry '" + name
                    + "' is not a relative path inside the package");
        }
        return target;
    }

    private static void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw FaasException.invalid(CORRUPT_ZIP + " Entry '" + e.getFile() + "' is both a file and a directory");
        }
    }

    static void setPermissions(Path path, Set<PosixFilePermission> perms) throws IOException {
        try {
            Files.setPosixFilePermissions(path, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: leave the defaults
        }
    }

    /**
     * Makes the tree under {@code root} durable and readable in sandboxes: fsyncs every file (the
     * package's and those its runtime wrote preparing it), then gives each directory, root
     * included, readable permissions and fsyncs it once its own entries are done.
     */
    static void syncTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (attributes.isRegularFile()) {
                    FileSystemSync.sync(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                setPermissions(dir, DIR_PERMS);
                FileSystemSync.sync(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
