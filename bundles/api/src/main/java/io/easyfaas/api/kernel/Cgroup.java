package io.easyfaas.api.kernel;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** One control group: limits, membership, freezing, readings. */
@ProviderType
public interface Cgroup {

    String path();

    /** Limits memory to {@code bytes}, without swap; applies to a live group at once. */
    void limitMemory(long bytes);

    /** Limits CPU time to {@code millicores} thousandths of one CPU per period. */
    void limitCpu(int millicores);

    /** Limits the number of tasks (processes and threads). */
    void limitPids(int max);

    /** Moves process {@code pid} (with all its threads) into this group. */
    void attach(int pid);

    /** Processes in this group now. */
    List<Integer> pids();

    void freeze();

    void thaw();

    /** Kills every process in the group with SIGKILL, frozen first so that none forks away. */
    void killAll();

    CgroupUsage usage();

    /** The most memory the group has used (0 when the kernel does not tell): one read, for every call's report. */
    long memoryPeakBytes();

    /** Kills what is left and removes the group; does nothing if it is gone already. */
    void delete();
}
