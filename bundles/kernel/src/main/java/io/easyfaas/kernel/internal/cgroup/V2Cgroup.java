package io.easyfaas.kernel.internal.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.easyfaas.api.kernel.CgroupUsage;

/** A group in the unified (v2) hierarchy: one directory with every controller's files. */
final class V2Cgroup extends ControlGroup {
    private final Path directory;

    V2Cgroup(String path, Path directory) {
        super(path);
        this.directory = directory;
    }

    @Override
    List<Path> directories() {
        return List.of(directory);
    }

    @Override
    Path procs() {
        return directory.resolve("cgroup.procs");
    }

    @Override
    public void limitMemory(long bytes) {
        CgroupFiles.write(directory.resolve("memory.max"), Long.toString(bytes));
        Path swap = directory.resolve("memory.swap.max");
        if (Files.exists(swap)) {
            CgroupFiles.write(swap, "0");
        }
    }

    @Override
    public void limitCpu(int millicores) {
        if (millicores <= 0) {
            throw new IllegalArgumentException("CPU limit must be positive: " + millicores + " millicores");
        }
        long period = V1Cgroup.CPU_PERIOD_MICROS;
        CgroupFiles.write(directory.resolve("cpu.max"), period * millicores / 1000 + " " + period);
    }

    @Override
    public void limitPids(int max) {
        CgroupFiles.write(directory.resolve("pids.max"), Integer.toString(max));
    }

    @Override
    public void freeze() {
        CgroupFiles.write(directory.resolve("cgroup.freeze"), "1");
        CgroupFiles.await(() -> CgroupFiles.keyed(directory.resolve("cgroup.events"), "frozen") == 1, this + " did not freeze");
    }

    @Override
    public void thaw() {
        CgroupFiles.write(directory.resolve("cgroup.freeze"), "0");
    }

    /** cgroup.kill (Linux 5.14+) kills the whole group atomically; older kernels freeze and signal. */
    @Override
    void signalAll() {
        Path kill = directory.resolve("cgroup.kill");
        if (Files.exists(kill)) {
            CgroupFiles.write(kill, "1");
        } else {
            super.signalAll();
        }
    }

    /** memory.peak came with Linux 5.19. */
    @Override
    Path memoryPeakFile() {
        Path peak = directory.resolve("memory.peak");
        return Files.exists(peak) ? peak : null;
    }

    @Override
    public CgroupUsage usage() {
        return new CgroupUsage(
                CgroupFiles.readLong(directory.resolve("memory.current")),
                memoryPeakBytes(),
                CgroupFiles.keyed(directory.resolve("cpu.stat"), "usage_usec") * 1000,
                CgroupFiles.keyed(directory.resolve("memory.events"), "oom_kill"));
    }
}
