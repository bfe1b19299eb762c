package io.easyfaas.kernel.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.kernel.internal.LibC;
import io.easyfaas.kernel.internal.MountInfo;

/** The favordynmods hierarchy is mounted once, found again by a later engine, and unmounted by the one that mounted it. */
class FastMigrationsTest {

    @TempDir
    Path temp;

    @Test
    void mountsOnceAndReusesWhatIsThere() throws Exception {
        assumeTrue(LibC.geteuid() == 0, "mounting a cgroup hierarchy needs root; CI runs as root");
        Path mountPoint = temp.resolve("favordynmods");
        try (FastMigrations first = FastMigrations.enable(mountPoint)) {
            assertEquals(1, mountsAt(mountPoint));
            try (FastMigrations second = FastMigrations.enable(mountPoint)) {
                assertEquals(1, mountsAt(mountPoint), "a second engine process reuses the mount");
            }
            assertEquals(1, mountsAt(mountPoint), "only the process that mounted it unmounts it");
        }
        assertEquals(0, mountsAt(mountPoint));
    }

    private static long mountsAt(Path mountPoint) {
        return MountInfo.ofSelf().mounts().stream()
                .filter(mount -> mount.mountPoint().equals(mountPoint.toString()) && mount.superOptions().contains("favordynmods"))
                .count();
    }
}
