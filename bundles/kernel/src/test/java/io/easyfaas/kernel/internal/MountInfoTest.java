package io.easyfaas.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.easyfaas.kernel.internal.MountInfo.Mount;

import org.junit.jupiter.api.Test;

class MountInfoTest {
    private static final String SAMPLE = """
            22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
            25 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
            40 22 0:35 / /var/lib/easyfaas/sbx-1/root ro,relatime master:1 - tmpfs tmpfs ro,size=4k
            41 40 254:1 /usr /var/lib/easyfaas/sbx-1/root/usr ro,relatime - ext4 /dev/vda rw
            42 40 0:36 / /var/lib/easyfaas/sbx-1/root/tmp rw shared:5 master:3 propagate_from:2 - tmpfs tmpfs rw,size=524288k
            43 41 254:1 /home/my\\040code /var/lib/easyfaas/sbx-1/root/usr/task\\040dir ro unbindable - ext4 /dev/disk\\134x rw
            44 22 0:37 / /var/lib/easyfaas-other rw - tmpfs tmpfs rw
            """;

    @Test
    void parsesEveryField() {
        List<Mount> mounts = MountInfo.parse(SAMPLE).mounts();

        assertEquals(7, mounts.size());
        assertEquals(new Mount(42, 40, "/", "/var/lib/easyfaas/sbx-1/root/tmp", "rw",
                List.of("shared:5", "master:3", "propagate_from:2"), "tmpfs", "tmpfs", "rw,size=524288k"), mounts.get(4));
        assertEquals(List.of(), mounts.get(3).propagation(), "a private mount has no tags");
        assertEquals(List.of("unbindable"), mounts.get(5).propagation());
    }

    @Test
    void unescapesOctalEscapesInPaths() {
        Mount escaped = MountInfo.parse(SAMPLE).mounts().get(5);

        assertEquals("/home/my code", escaped.root());
        assertEquals("/var/lib/easyfaas/sbx-1/root/usr/task dir", escaped.mountPoint());
        assertEquals("/dev/disk\\x", escaped.source());
        assertEquals("tab\there", MountInfo.unescape("tab\\011here"));
        assertEquals("not\\8escape", MountInfo.unescape("not\\8escape"));
    }

    @Test
    void listsMountPointsUnderADirectoryDeepestFirst() {
        assertEquals(List.of("/var/lib/easyfaas/sbx-1/root/usr/task dir", "/var/lib/easyfaas/sbx-1/root/usr",
                "/var/lib/easyfaas/sbx-1/root/tmp", "/var/lib/easyfaas/sbx-1/root"),
                MountInfo.parse(SAMPLE).mountPointsUnder("/var/lib/easyfaas"));
        assertEquals(List.of("/var/lib/easyfaas-other"), MountInfo.parse(SAMPLE).mountPointsUnder("/var/lib/easyfaas-other/"));
        assertEquals(List.of(), MountInfo.parse(SAMPLE).mountPointsUnder("/srv"));
    }

    @Test
    void rejectsLinesThatAreNotMountinfo() {
        assertThrows(IllegalArgumentException.class, () -> MountInfo.parse("22 1 254:1 / / rw shared:1 ext4 /dev/vda rw"));
    }

    @Test
    void readsThisProcesssTable() {
        assertTrue(MountInfo.ofSelf().mounts().stream().anyMatch(m -> m.mountPoint().equals("/proc") && m.fsType().equals("proc")));
    }
}
