package io.easyfaas.api.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MountSpecTest {

    /** A launch reuses what its thread staged only if the new entries equal the staged ones. */
    @Test
    void entriesMadeAlikeAreEqualAndDifferingInAnyPartAreNot() {
        MountSpec bind = MountSpec.bind(Path.of("/usr"), "/usr", true);
        assertEquals(bind, MountSpec.bind(Path.of("/usr"), "/usr", true));
        assertEquals(bind.hashCode(), MountSpec.bind(Path.of("/usr"), "/usr", true).hashCode());
        assertEquals(MountSpec.tmpfs("/tmp", 1024), MountSpec.tmpfs("/tmp", 1024));
        assertEquals(MountSpec.proc("/proc"), MountSpec.proc("/proc"));

        List<MountSpec> others = List.of(
                MountSpec.bind(Path.of("/lib"), "/usr", true),
                MountSpec.bind(Path.of("/usr"), "/lib", true),
                MountSpec.bind(Path.of("/usr"), "/usr", false),
                MountSpec.symlink("/usr", "/usr"),
                MountSpec.mountPoint("/usr"),
                MountSpec.tmpfs("/usr", 0));
        for (MountSpec other : others) {
            assertNotEquals(bind, other, other.toString());
        }
        assertNotEquals(MountSpec.tmpfs("/tmp", 1024), MountSpec.tmpfs("/tmp", 2048));
        assertNotEquals(bind, null);
        assertNotEquals(bind, "/usr");
    }
}
