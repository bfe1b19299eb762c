package io.easyfaas.kernel.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.easyfaas.api.kernel.KernelException;

/** The mount table of a process as /proc/&lt;pid&gt;/mountinfo shows it; used to find leftover mounts. */
public final class MountInfo {

    /**
     * One line of mountinfo.
     *
     * @param root the path inside the mounted file system that is seen at {@code mountPoint}
     * @param propagation tags such as {@code shared:1}, {@code master:2}, {@code unbindable}; empty when private
     */
    public record Mount(int id, int parentId, String root, String mountPoint, String options,
            List<String> propagation, String fsType, String source, String superOptions) {
    }

    private final List<Mount> mounts;

    private MountInfo(List<Mount> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    /** The calling process's mount table. */
    public static MountInfo ofSelf() {
        Path file = Path.of("/proc/self/mountinfo");
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new KernelException("read " + file + ": " + e.getMessage(), e);
        }
    }

    public static MountInfo parse(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                mounts.add(parseLine(line));
            }
        }
        return new MountInfo(mounts);
    }

    private static Mount parseLine(String line) {
        String[] fields = line.split(" ");
        int separator = List.of(fields).indexOf("-");
        if (separator < 6 || separator + 2 >= fields.length) {
            throw new IllegalArgumentException("not a mountinfo line: " + line);
        }
        return new Mount(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]), unescape(fields[3]), unescape(fields[4]),
                fields[5], List.of(fields).subList(6, separator), fields[separator + 1], unescape(fields[separator + 2]),
                separator + 3 < fields.length ? fields[separator + 3] : "");
    }

    /** The kernel writes space, tab, newline and backslash in paths as octal escapes (\040 ...). */
    static String unescape(String field) {
        StringBuilder text = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                text.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }

    public List<Mount> mounts() {
        return mounts;
    }

    /**
     * Mount points at or below {@code directory}, deepest first (the order to unmount them in);
     * a point mounted several times is listed once per mount.
     */
    public List<String> mountPointsUnder(String directory) {
        String top = directory.length() > 1 && directory.endsWith("/") ? directory.substring(0, directory.length() - 1) : directory;
        String prefix = top.equals("/") ? top : top + "/";
        return mounts.stream().map(Mount::mountPoint)
                .filter(point -> point.equals(top) || point.startsWith(prefix))
                .sorted(Comparator.comparingLong((String point) -> point.chars().filter(c -> c == '/').count()).reversed())
                .toList();
    }
}
