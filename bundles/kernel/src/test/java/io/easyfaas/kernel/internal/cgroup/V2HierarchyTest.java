package io.easyfaas.kernel.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.CgroupService;
import io.easyfaas.api.kernel.CgroupUsage;
import io.easyfaas.api.kernel.KernelException;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 driver against a fake unified hierarchy in a temporary directory, its interface files
 * created beforehand as the kernel would: the development and CI hosts run cgroup v1, their
 * cgroup2 mount (/sys/fs/cgroup/unified) offers no memory, cpu or pids controller to test with.
 * The tests check which files the driver writes with which values, and how it parses readings.
 */
class V2HierarchyTest {
    private static final List<String> GROUP_FILES = List.of("cgroup.procs", "cgroup.subtree_control", "cgroup.freeze",
            "cgroup.kill", "memory.max", "memory.swap.max", "cpu.max", "pids.max");

    @TempDir
    Path root;

    private CgroupService cgroups;

    @BeforeEach
    void fakeUnifiedHierarchy() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "\n");
        Files.writeString(root.resolve("cgroup.procs"), "1\n");
        fakeGroup(root.resolve("engine"));
        fakeGroup(root.resolve("engine/sbx-1"));
        cgroups = CgroupDrivers.probe(root).orElseThrow();
    }

    private static void fakeGroup(Path directory) throws IOException {
        Files.createDirectories(directory);
        for (String file : GROUP_FILES) {
            Files.writeString(directory.resolve(file), "");
        }
        Files.writeString(directory.resolve("cgroup.events"), "populated 0\nfrozen 1\n");
    }

    @Test
    void isChosenWhenTheUnifiedRootOffersMemoryCpuAndPids() {
        assertEquals("v2", cgroups.version());
        assertEquals(List.of("memory", "cpu", "pids"), cgroups.controllers());
    }

    @Test
    void isNotChosenWhenTheControllersAreMissing(@TempDir Path hugetlbOnly) throws IOException {
        Files.writeString(hugetlbOnly.resolve("cgroup.controllers"), "hugetlb\n");

        assertEquals(Optional.empty(), CgroupDrivers.probe(hugetlbOnly));
    }

    @Test
    void creatingAGroupDelegatesTheControllersDownItsAncestors() throws IOException {
        Cgroup group = cgroups.create("engine/sbx-1");

        assertEquals("engine/sbx-1", group.path());
        assertEquals("+memory +cpu +pids", Files.readString(root.resolve("cgroup.subtree_control")));
        assertEquals("+memory +cpu +pids", Files.readString(root.resolve("engine/cgroup.subtree_control")));
        assertEquals("", Files.readString(root.resolve("engine/sbx-1/cgroup.subtree_control")), "a leaf delegates nothing");
        assertEquals(List.of("sbx-1"), cgroups.children("engine"));
        assertTrue(cgroups.find("engine/sbx-1").isPresent());
        assertEquals(Optional.empty(), cgroups.find("engine/sbx-2"));
        assertEquals(List.of(), cgroups.children("absent"));
    }

    @Test
    void controllersAlreadyEnabledAreLeftAlone() throws IOException {
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpu io memory pids\n");

        cgroups.create("engine");

        assertEquals("cpu io memory pids\n", Files.readString(root.resolve("cgroup.subtree_control")));
    }

    @Test
    void writesLimitsWithoutSwap() throws IOException {
        Cgroup group = cgroups.create("engine/sbx-1");

        group.limitMemory(128L << 20);
        group.limitCpu(250);
        group.limitPids(64);

        Path directory = root.resolve("engine/sbx-1");
        assertEquals("134217728", Files.readString(directory.resolve("memory.max")));
        assertEquals("0", Files.readString(directory.resolve("memory.swap.max")));
        assertEquals("25000 100000", Files.readString(directory.resolve("cpu.max")));
        assertEquals("64", Files.readString(directory.resolve("pids.max")));
        assertThrows(IllegalArgumentException.class, () -> group.limitCpu(0));
    }

    @Test
    void attachesFreezesThawsAndKillsThroughTheGroupFiles() throws IOException {
        Cgroup group = cgroups.create("engine/sbx-1");
        Path directory = root.resolve("engine/sbx-1");

        group.attach(4242);
        assertEquals("4242", Files.readString(directory.resolve("cgroup.procs")));
        assertEquals(List.of(4242), group.pids());

        group.freeze();
        assertEquals("1", Files.readString(directory.resolve("cgroup.freeze")));
        group.thaw();
        assertEquals("0", Files.readString(directory.resolve("cgroup.freeze")));

        Files.writeString(directory.resolve("cgroup.procs"), "");
        group.killAll();
        assertEquals("1", Files.readString(directory.resolve("cgroup.kill")), "cgroup.kill ends the group at once");
    }

    @Test
    void aGroupThatNeverReportsFrozenFailsToFreeze() throws IOException {
        Files.writeString(root.resolve("engine/sbx-1/cgroup.events"), "populated 1\nfrozen 0\n");

        KernelException e = assertThrows(KernelException.class, () -> cgroups.create("engine/sbx-1").freeze());

        assertTrue(e.getMessage().contains("engine/sbx-1 did not freeze"), e.getMessage());
    }

    @Test
    void parsesReadings() throws IOException {
        Path directory = root.resolve("engine/sbx-1");
        Files.writeString(directory.resolve("memory.current"), "1048576\n");
        Files.writeString(directory.resolve("memory.peak"), "52428800\n");
        Files.writeString(directory.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
        Files.writeString(directory.resolve("memory.events"), "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\noom_group_kill 0\n");

        assertEquals(new CgroupUsage(1048576, 52428800, 1_500_000, 1), cgroups.create("engine/sbx-1").usage());

        Files.delete(directory.resolve("memory.peak"));
        assertEquals(0, cgroups.create("engine/sbx-1").usage().memoryPeakBytes(), "kernels before 5.19 have no memory.peak");
    }

    @Test
    void refusesPathsThatLeaveTheEnginesPlace() {
        for (String path : List.of("../escape", "/abs", "engine/../..", "", "a//b")) {
            assertThrows(IllegalArgumentException.class, () -> cgroups.create(path), path);
        }
    }
}
