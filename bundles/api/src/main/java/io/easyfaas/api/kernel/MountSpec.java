package io.easyfaas.api.kernel;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One entry of a sandbox's file system view, applied in order on top of an empty root.
 *
 * @param kind what to mount
 * @param source the host path for {@link Kind#BIND}, the link text for {@link Kind#SYMLINK},
 *     {@code null} otherwise
 * @param target the absolute path inside the sandbox
 * @param readOnly for binds and tmpfs
 * @param sizeBytes for {@link Kind#TMPFS}
 */
public record MountSpec(Kind kind, Path source, String target, boolean readOnly, long sizeBytes) {

    public enum Kind {
        /** A host file or directory (recursively) at {@code target}. */
        BIND,
        /** An empty memory file system of at most {@code sizeBytes}, writable by everyone. */
        TMPFS,
        /** A symbolic link to {@code source}. */
        SYMLINK,
        /** The sandbox's own /proc, showing only its own processes. */
        PROC,
        /** A directory where a host directory will be attached later. */
        MOUNT_POINT
    }

    public MountSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("mount target must be absolute: " + target);
        }
    }

    // Written out: a record's generated equals goes through method handles, which cost about 10 µs
    // a comparison until the JIT has compiled them, and each launch compares some 60 entries
    // (with the last launch's, and with what its thread staged) before the runtime starts.
    @Override
    public boolean equals(Object other) {
        return other instanceof MountSpec that && kind == that.kind && readOnly == that.readOnly && sizeBytes == that.sizeBytes
                && target.equals(that.target) && Objects.equals(source, that.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, source, target, readOnly, sizeBytes);
    }

    public static MountSpec bind(Path source, String target, boolean readOnly) {
        return new MountSpec(Kind.BIND, source, target, readOnly, 0);
    }

    public static MountSpec tmpfs(String target, long sizeBytes) {
        return new MountSpec(Kind.TMPFS, null, target, false, sizeBytes);
    }

    public static MountSpec symlink(String linkText, String target) {
        return new MountSpec(Kind.SYMLINK, Path.of(linkText), target, false, 0);
    }

    public static MountSpec proc(String target) {
        return new MountSpec(Kind.PROC, null, target, true, 0);
    }

    public static MountSpec mountPoint(String target) {
        return new MountSpec(Kind.MOUNT_POINT, null, target, true, 0);
    }
}
