package io.easyfaas.api.kernel;

/**
 * Readings of a control group.
 *
 * @param memoryBytes memory in use now
 * @param memoryPeakBytes the most memory the group has used (0 when the kernel does not tell)
 * @param cpuNanos CPU time consumed by the group's tasks
 * @param oomKills processes the kernel killed because the group reached its memory limit
 */
public record CgroupUsage(long memoryBytes, long memoryPeakBytes, long cpuNanos, long oomKills) {
}
