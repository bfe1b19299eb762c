package io.easyfaas.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.easyfaas.api.kernel.HostCapabilities;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostProbeTest {

    @Test
    void readsCgroupV1ControllersFromTheirDirectories(@TempDir Path root) throws IOException {
        Path cgroup = Files.createDirectories(root.resolve("cgroup"));
        Files.createDirectories(cgroup.resolve("memory"));
        Files.createDirectories(cgroup.resolve("pids"));
        Files.createDirectories(cgroup.resolve("blkio"));
        Path proc = fakeProc(root);

        HostCapabilities caps = new HostProbe(proc, cgroup).probe(1000);

        assertEquals("v1", caps.cgroupVersion());
        assertEquals(List.of("memory", "pids"), caps.cgroupControllers());
        assertEquals("6.1.0-test", caps.kernelRelease());
        assertEquals(List.of("mnt", "net", "pid"), caps.namespaces());
        assertEquals(false, caps.root());
    }

    @Test
    void prefersTheUnifiedHierarchyWhenItIsTheRoot(@TempDir Path root) throws IOException {
        Path cgroup = Files.createDirectories(root.resolve("cgroup"));
        Files.writeString(cgroup.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n");

        HostCapabilities caps = new HostProbe(fakeProc(root), cgroup).probe(0);

        assertEquals("v2", caps.cgroupVersion());
        assertEquals(List.of("memory", "cpu", "pids"), caps.cgroupControllers());
        assertTrue(caps.root());
    }

    @Test
    void reportsNoCgroupsWhenNoneAreMounted(@TempDir Path root) throws IOException {
        HostCapabilities caps = new HostProbe(fakeProc(root), root.resolve("absent")).probe(0);

        assertEquals("none", caps.cgroupVersion());
        assertEquals(List.of(), caps.cgroupControllers());
    }

    @Test
    void probesThisHost() {
        HostCapabilities caps = new HostProbe(Path.of("/proc"), Path.of("/sys/fs/cgroup")).probe(LibC.INSTANCE.geteuid());

        assertEquals(System.getProperty("os.version"), caps.kernelRelease());
        assertTrue(caps.namespaces().contains("pid"), "every Linux has pid namespaces: " + caps.namespaces());
    }

    private static Path fakeProc(Path root) throws IOException {
        Path proc = Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(proc.resolve("sys/kernel"));
        Files.writeString(proc.resolve("sys/kernel/osrelease"), "6.1.0-test\n");
        Path ns = Files.createDirectories(proc.resolve("self/ns"));
        for (String n : List.of("pid", "net", "mnt")) {
            Files.createFile(ns.resolve(n));
        }
        return proc;
    }
}
