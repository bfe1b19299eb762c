package io.easyfaas.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The code package of a function: a zip made in memory from a directory, a zip file as it is, or
 * a single source file zipped under its own name.
 *
 * <p>Zips made here are reproducible: entries sorted by path, a fixed time stamp, so the same
 * files give the same bytes (and the same CodeSha256 on the server).
 */
final class CodePackage {

    /** 1980-01-01T00:00:00 local, the earliest zip time: entries carry no build-time noise. */
    private static final long FIXED_TIME = java.time.LocalDateTime.of(1980, 1, 1, 0, 0)
            .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();

    private CodePackage() {
    }

    static byte[] read(Path code) throws IOException, UsageException {
        if (Files.isDirectory(code)) {
            return zipDirectory(code);
        }
        if (!Files.isRegularFile(code)) {
            throw new UsageException("--code: no such directory or file: " + code);
        }
        byte[] bytes = Files.readAllBytes(code);
        if (isZip(bytes)) {
            return bytes;
        }
        return zipSingleFile(code.getFileName().toString(), bytes);
    }

    static boolean isZip(byte[] bytes) {
        // local file header, or the end-of-central-directory record of an empty zip
        return bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K'
                && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6));
    }

    /**
     * Every file and directory under {@code dir}, with paths relative to it and {@code /} as the
     * separator; nothing is skipped. Symbolic links to files are stored as the file they point to;
     * links to directories are not descended.
     */
    static byte[] zipDirectory(Path dir) throws IOException {
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> !p.equals(dir)).forEach(paths::add);
        }
        List<String[]> entries = new ArrayList<>(); // {name, path}
        for (Path p : paths) {
            String name = relativeName(dir, p);
            boolean isDir = Files.isDirectory(p) && !Files.isSymbolicLink(p);
            entries.add(new String[] {isDir ? name + "/" : name, p.toString()});
        }
        entries.sort((a, b) -> a[0].compareTo(b[0]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String[] e : entries) {
                ZipEntry entry = new ZipEntry(e[0]);
                entry.setTime(FIXED_TIME);
                zip.putNextEntry(entry);
                Path file = Path.of(e[1]);
                // directories, and symbolic links to directories, are empty entries
                if (!e[0].endsWith("/") && !Files.isDirectory(file)) {
                    Files.copy(file, zip);
                }
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    static byte[] zipSingleFile(String name, byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            ZipEntry entry = new ZipEntry(name);
            entry.setTime(FIXED_TIME);
            zip.putNextEntry(entry);
            zip.write(content);
            zip.closeEntry();
        }
        return out.toByteArray();
    }

    private static String relativeName(Path dir, Path p) {
        Path rel = dir.relativize(p);
        StringBuilder sb = new StringBuilder();
        for (Path part : rel) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(part.toString());
        }
        return sb.toString();
    }
}
