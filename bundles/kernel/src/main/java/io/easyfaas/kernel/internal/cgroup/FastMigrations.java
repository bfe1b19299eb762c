package io.easyfaas.kernel.internal.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.jna.LastErrorException;

import io.easyfaas.kernel.internal.LibC;
import io.easyfaas.kernel.internal.MountInfo;

/**
 * Moving a process into a cgroup takes the kernel's global threadgroup lock for writing, which
 * by default waits for an RCU grace period first: about 5 ms per sandbox on these machines,
 * most of what a sandbox costs. The {@code favordynmods} option (Linux 6.0) makes that lock
 * cheap for writers at a small cost to every fork and exit, the trade a sandbox engine wants.
 * The option belongs to the lock, not to a hierarchy, so a controller-less named v1 hierarchy
 * mounted with it is enough, and the host's own cgroup mounts stay as they are.
 */
public final class FastMigrations implements AutoCloseable {
    private static final int MNT_DETACH = 2;
    private static final String OPTIONS = "none,name=easyfaas,favordynmods";

    private final Path mountPoint;
    private final boolean mountedHere;

    private FastMigrations(Path mountPoint, boolean mountedHere) {
        this.mountPoint = mountPoint;
        this.mountedHere = mountedHere;
    }

    /**
     * Mounts the hierarchy at {@code mountPoint}, or finds it there from an earlier engine process.
     *
     * @throws IOException if the kernel refuses (no v1 support, no favordynmods, not root)
     */
    public static FastMigrations enable(Path mountPoint) throws IOException {
        String path = mountPoint.toAbsolutePath().normalize().toString();
        boolean mounted = MountInfo.ofSelf().mounts().stream()
                .anyMatch(mount -> mount.mountPoint().equals(path) && mount.superOptions().contains("favordynmods"));
        if (mounted) {
            return new FastMigrations(mountPoint, false);
        }
        Files.createDirectories(mountPoint);
        try {
            LibC.mount("cgroup", path, "cgroup", 0, OPTIONS);
        } catch (LastErrorException e) {
            throw new IOException(LibC.failure("mount cgroup -o " + OPTIONS + " on " + path, e).getMessage(), e);
        }
        return new FastMigrations(mountPoint, true);
    }

    @Override
    public void close() {
        if (mountedHere) {
            try {
                LibC.umount2(mountPoint.toString(), MNT_DETACH);
            } catch (LastErrorException e) {
                // already gone; the next engine process finds or remounts it
            }
        }
    }
}
