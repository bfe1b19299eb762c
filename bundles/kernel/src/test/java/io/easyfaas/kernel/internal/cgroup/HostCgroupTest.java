package io.easyfaas.kernel.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.CgroupService;
import io.easyfaas.api.kernel.CgroupUsage;
import io.easyfaas.kernel.internal.LibC;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The driver this host gets (v1 here and in CI) against the real kernel, with real child
 * processes in a group of a unique path. Needs root: CI runs as root, so these run there.
 */
class HostCgroupTest {
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    private static final String PYTHON = "/usr/bin/python3";

    private final String base = "easyfaas-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    private final String path = base + "/sbx-1";
    private final List<Process> children = new ArrayList<>();
    private CgroupService cgroups;

    @BeforeEach
    void hostCgroups() {
        assumeTrue(LibC.geteuid() == 0, "creating cgroups needs root; CI runs as root and runs these");
        cgroups = CgroupDrivers.probe(CGROUP_ROOT).orElseThrow(() -> new AssertionError("no usable cgroups on this host"));
    }

    @AfterEach
    void removeGroups() throws InterruptedException {
        for (Process child : children) {
            child.destroyForcibly().waitFor();
        }
        if (cgroups != null) {
            cgroups.find(path).ifPresent(Cgroup::delete);
            cgroups.find(base).ifPresent(Cgroup::delete);
        }
    }

    @Test
    void limitsMemoryWithoutSwapCpuAndTasks() {
        Cgroup group = cgroups.create(path);

        group.limitMemory(64L << 20);
        assertEquals("67108864", interfaceFile("memory", "memory.limit_in_bytes", "memory.max"));
        Path withSwap = v1("memory").resolve(path).resolve("memory.memsw.limit_in_bytes");
        if (isV1() && Files.exists(withSwap)) {
            assertEquals("67108864", CgroupFiles.read(withSwap), "memory+swap equals memory: no swap");
        }
        group.limitMemory(256L << 20);
        assertEquals("268435456", interfaceFile("memory", "memory.limit_in_bytes", "memory.max"), "a live group's limit grows");
        group.limitMemory(32L << 20);
        assertEquals("33554432", interfaceFile("memory", "memory.limit_in_bytes", "memory.max"), "and shrinks");

        group.limitCpu(500);
        assertEquals(isV1() ? "50000" : "50000 100000", interfaceFile("cpu", "cpu.cfs_quota_us", "cpu.max"));

        group.limitPids(32);
        assertEquals("32", interfaceFile("pids", "pids.max", "pids.max"));
    }

    @Test
    void attachedProcessesAreMembersAndTheirUseIsRead() throws IOException {
        Cgroup group = cgroups.create(path);
        Process child = start(PYTHON, "-I", "-S", "-c",
                "import sys\nsys.stdin.readline()\nx = b'1' * (20 << 20)\nsum(range(2000000))\nprint('done', flush=True)\nsys.stdin.readline()");
        int pid = (int) child.pid();

        group.attach(pid);
        assertEquals(List.of(pid), group.pids());
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains(path));
        go(child);
        assertEquals("done", new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine());

        CgroupUsage usage = group.usage();
        assertTrue(usage.memoryBytes() >= 20 << 20, "20 MB allocated: " + usage);
        assertTrue(usage.memoryPeakBytes() >= usage.memoryBytes(), usage.toString());
        assertTrue(usage.cpuNanos() > 0, usage.toString());
        assertEquals(0, usage.oomKills());
    }

    @Test
    void freezesAndThaws() throws IOException {
        assumeTrue(isV1(), "the v2 freezer is covered by V2HierarchyTest");
        Cgroup group = cgroups.create(path);
        group.attach(pidOf(start("/bin/sleep", "60")));

        group.freeze();
        assertEquals("FROZEN", CgroupFiles.read(v1("freezer").resolve(path).resolve("freezer.state")));

        group.thaw();
        assertEquals("THAWED", CgroupFiles.read(v1("freezer").resolve(path).resolve("freezer.state")));
    }

    @Test
    void killAllEndsEveryMemberAndDeleteRemovesTheGroup() throws Exception {
        Cgroup group = cgroups.create(path);
        Process first = start("/bin/sleep", "60");
        Process second = start("/bin/sleep", "60");
        group.attach(pidOf(first));
        group.attach(pidOf(second));

        group.killAll();

        assertTrue(first.waitFor(5, TimeUnit.SECONDS) && second.waitFor(5, TimeUnit.SECONDS));
        assertEquals(137, first.exitValue(), "killed by SIGKILL");
        assertEquals(List.of(), group.pids());

        group.attach(pidOf(start("/bin/sleep", "60")));
        group.delete();

        assertFalse(cgroups.find(path).isPresent());
        for (String controller : cgroups.controllers()) {
            Path directory = isV1() ? v1(controller).resolve(path) : CGROUP_ROOT.resolve(path);
            assertFalse(Files.exists(directory), directory + " is gone");
        }
        group.delete();
    }

    @Test
    void aProcessPastTheMemoryLimitIsOomKilledAndCounted() throws Exception {
        Cgroup group = cgroups.create(path);
        group.limitMemory(50L << 20);
        Process hog = start(PYTHON, "-I", "-S", "-c", "import sys\nsys.stdin.readline()\nx = b'1' * (200 << 20)\nprint('survived')");
        group.attach(pidOf(hog));

        go(hog);

        assertTrue(hog.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, hog.exitValue(), "killed by the OOM killer's SIGKILL");
        CgroupUsage usage = group.usage();
        assertEquals(1, usage.oomKills(), usage.toString());
        assertTrue(usage.memoryPeakBytes() <= 50L << 20, "never past its limit: " + usage);
    }

    private Process start(String... command) throws IOException {
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        children.add(child);
        return child;
    }

    private static int pidOf(Process process) {
        return (int) process.pid();
    }

    /** Lets a child that waits for a line on stdin go on, now that it is in the group. */
    private static void go(Process child) throws IOException {
        Writer stdin = child.outputWriter();
        stdin.write("go\n");
        stdin.flush();
    }

    private boolean isV1() {
        return cgroups.version().equals("v1");
    }

    private static Path v1(String controller) {
        return CGROUP_ROOT.resolve(controller);
    }

    private String interfaceFile(String controller, String v1File, String v2File) {
        return CgroupFiles.read(isV1() ? v1(controller).resolve(path).resolve(v1File) : CGROUP_ROOT.resolve(path).resolve(v2File));
    }
}
