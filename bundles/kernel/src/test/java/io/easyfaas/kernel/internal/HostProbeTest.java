package io.easyfaas.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.easyfaas.api.kernel.HostCapabilities;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostProbeTest {
    /** Live checks that refuse pid namespaces and NAT. */
    private static final HostProbe.LiveChecks CHECKS = new HostProbe.LiveChecks() {
        @Override
        public boolean canCreateNamespace(String kind) {
            return !kind.equals("pid");
        }

        @Override
        public boolean netlink() {
            return true;
        }

        @Override
        public boolean nat() {
            return false;
        }
    };

    @Test
    void choosesV1WhenEveryControllerHierarchyIsMounted(@TempDir Path root) throws IOException {
        Path cgroup = Files.createDirectories(root.resolve("cgroup"));
        for (String controller : List.of("memory", "cpu", "cpuacct", "pids", "freezer", "blkio")) {
            Files.createDirectories(cgroup.resolve(controller));
            Files.writeString(cgroup.resolve(controller).resolve("cgroup.procs"), "1\n");
        }

        HostCapabilities caps = new HostProbe(fakeProc(root), cgroup, CHECKS).probe(1000);

        assertEquals("v1", caps.cgroupVersion());
        assertEquals(List.of("memory", "cpu", "cpuacct", "pids", "freezer"), caps.cgroupControllers());
        assertEquals("6.1.0-test", caps.kernelRelease());
        assertEquals(false, caps.root());
    }

    @Test
    void reportsNoCgroupsWhenAV1ControllerTheSandboxesNeedIsMissing(@TempDir Path root) throws IOException {
        Path cgroup = Files.createDirectories(root.resolve("cgroup"));
        for (String controller : List.of("memory", "pids")) {
            Files.createDirectories(cgroup.resolve(controller));
            Files.writeString(cgroup.resolve(controller).resolve("cgroup.procs"), "1\n");
        }

        assertEquals("none", new HostProbe(fakeProc(root), cgroup, CHECKS).probe(0).cgroupVersion());
    }

    @Test
    void prefersTheUnifiedHierarchyWhenItIsTheRoot(@TempDir Path root) throws IOException {
        Path cgroup = Files.createDirectories(root.resolve("cgroup"));
        Files.writeString(cgroup.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n");

        HostCapabilities caps = new HostProbe(fakeProc(root), cgroup, CHECKS).probe(0);

        assertEquals("v2", caps.cgroupVersion());
        assertEquals(List.of("memory", "cpu", "pids"), caps.cgroupControllers());
        assertTrue(caps.root());
    }

    @Test
    void reportsNoCgroupsWhenNoneAreMounted(@TempDir Path root) throws IOException {
        HostCapabilities caps = new HostProbe(fakeProc(root), root.resolve("absent"), CHECKS).probe(0);

        assertEquals("none", caps.cgroupVersion());
        assertEquals(List.of(), caps.cgroupControllers());
    }

    @Test
    void reportsTheNamespacesThatCanBeCreatedAndTheLiveChecks(@TempDir Path root) throws IOException {
        HostCapabilities caps = new HostProbe(fakeProc(root), root.resolve("absent"), CHECKS).probe(0);

        assertEquals(List.of("mnt", "net"), caps.namespaces(), "pid refused, user not used by sandboxes");
        assertTrue(caps.netlink());
        assertFalse(caps.nat());
        assertTrue(caps.mountApi(), "6.1 has fsopen and open_tree");
    }

    @Test
    void theMountApiCameWithLinux52() {
        assertTrue(HostProbe.atLeast("5.2.0", 5, 2));
        assertTrue(HostProbe.atLeast("6.18.44-fc-v595", 5, 2));
        assertFalse(HostProbe.atLeast("5.1.21", 5, 2));
        assertFalse(HostProbe.atLeast("4.19.0-amd64", 5, 2));
        assertFalse(HostProbe.atLeast("", 5, 2));
    }

    /** On this host as it is: CI runs as root on a cgroup v1 kernel with nftables installed. */
    @Test
    void probesThisHost() {
        int uid = LibC.geteuid();
        HostCapabilities caps = new HostProbe(Path.of("/proc"), Path.of("/sys/fs/cgroup"), new KernelChecks()).probe(uid);

        assertEquals(System.getProperty("os.version"), caps.kernelRelease());
        assertTrue(caps.netlink(), "any Linux answers rtnetlink dumps");
        if (uid == 0) {
            assertEquals(HostProbe.SANDBOX_NAMESPACES, caps.namespaces(), "root can create every kind a sandbox uses");
            assertTrue(caps.nat(), "CI installs nftables, and its kernel has NAT");
            assertTrue(List.of("v1", "v2").contains(caps.cgroupVersion()), caps.cgroupVersion());
        }
    }

    private static Path fakeProc(Path root) throws IOException {
        Path proc = Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(proc.resolve("sys/kernel"));
        Files.writeString(proc.resolve("sys/kernel/osrelease"), "6.1.0-test\n");
        Path ns = Files.createDirectories(proc.resolve("self/ns"));
        for (String n : List.of("pid", "net", "mnt", "user")) {
            Files.createFile(ns.resolve(n));
        }
        return proc;
    }
}
