package io.easyfaas.kernel.internal.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.easyfaas.api.kernel.CgroupUsage;

/** A group in the cgroup v1 hierarchies: one directory per controller. */
final class V1Cgroup extends ControlGroup {
    static final long CPU_PERIOD_MICROS = 100_000;

    private final Map<String, Path> byController;

    V1Cgroup(String path, Map<String, Path> byController) {
        super(path);
        this.byController = Map.copyOf(byController);
    }

    @Override
    List<Path> directories() {
        return byController.values().stream().distinct().toList();
    }

    @Override
    Path procs() {
        return file("freezer", "cgroup.procs");
    }

    /** Memory and memory+swap limits equal, so the group cannot swap; memsw may never go below memory. */
    @Override
    public void limitMemory(long bytes) {
        Path memory = file("memory", "memory.limit_in_bytes");
        Path withSwap = file("memory", "memory.memsw.limit_in_bytes");
        String value = Long.toString(bytes);
        if (!Files.exists(withSwap)) {
            CgroupFiles.write(memory, value);
        } else if (bytes > CgroupFiles.readLong(memory)) {
            CgroupFiles.write(withSwap, value);
            CgroupFiles.write(memory, value);
        } else {
            CgroupFiles.write(memory, value);
            CgroupFiles.write(withSwap, value);
        }
    }

    @Override
    public void limitCpu(int millicores) {
        if (millicores <= 0) {
            throw new IllegalArgumentException("CPU limit must be positive: " + millicores + " millicores");
        }
        CgroupFiles.write(file("cpu", "cpu.cfs_period_us"), Long.toString(CPU_PERIOD_MICROS));
        CgroupFiles.write(file("cpu", "cpu.cfs_quota_us"), Long.toString(CPU_PERIOD_MICROS * millicores / 1000));
    }

    @Override
    public void limitPids(int max) {
        CgroupFiles.write(file("pids", "pids.max"), Integer.toString(max));
    }

    @Override
    public void freeze() {
        Path state = file("freezer", "freezer.state");
        CgroupFiles.write(state, "FROZEN");
        CgroupFiles.await(() -> CgroupFiles.read(state).equals("FROZEN"), this + " did not freeze");
    }

    @Override
    public void thaw() {
        CgroupFiles.write(file("freezer", "freezer.state"), "THAWED");
    }

    @Override
    public CgroupUsage usage() {
        return new CgroupUsage(
                CgroupFiles.readLong(file("memory", "memory.usage_in_bytes")),
                memoryPeakBytes(),
                CgroupFiles.readLong(file("cpuacct", "cpuacct.usage")),
                CgroupFiles.keyed(file("memory", "memory.oom_control"), "oom_kill"));
    }

    @Override
    Path memoryPeakFile() {
        return file("memory", "memory.max_usage_in_bytes");
    }

    private Path file(String controller, String name) {
        return byController.get(controller).resolve(name);
    }
}
