package io.easyfaas.funclet.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.CgroupService;
import io.easyfaas.api.kernel.CgroupUsage;

/** Cgroups kept in memory, for a funclet on a host where the tests cannot make real ones. */
final class RecordingCgroups implements CgroupService {
    /** Live groups by path. */
    final Map<String, Group> groups = new ConcurrentHashMap<>();
    /** When set, setting a memory limit waits for it: a slow cgroup write. */
    volatile CountDownLatch memoryLimitsHeld;

    @Override
    public String version() {
        return "v2";
    }

    @Override
    public List<String> controllers() {
        return List.of("memory", "cpu", "pids");
    }

    /** Makes missing parents too, as the kernel bundle's service does. */
    @Override
    public Cgroup create(String path) {
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            groups.computeIfAbsent(path.substring(0, slash), Group::new);
        }
        return groups.computeIfAbsent(path, Group::new);
    }

    @Override
    public Optional<Cgroup> find(String path) {
        return Optional.ofNullable(groups.get(path));
    }

    @Override
    public List<String> children(String path) {
        return groups.keySet().stream().filter(p -> p.startsWith(path + "/")).map(p -> p.substring(path.length() + 1)).toList();
    }

    final class Group implements Cgroup {
        private final String path;
        volatile long memoryLimitBytes;

        Group(String path) {
            this.path = path;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public void limitMemory(long bytes) {
            CountDownLatch held = memoryLimitsHeld;
            if (held != null) {
                try {
                    held.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            memoryLimitBytes = bytes;
        }

        @Override
        public void limitCpu(int millicores) {
        }

        @Override
        public void limitPids(int max) {
        }

        @Override
        public void attach(int pid) {
        }

        @Override
        public List<Integer> pids() {
            return List.of();
        }

        @Override
        public void freeze() {
        }

        @Override
        public void thaw() {
        }

        @Override
        public void killAll() {
        }

        @Override
        public CgroupUsage usage() {
            return new CgroupUsage(0, 0, 0, 0);
        }

        @Override
        public long memoryPeakBytes() {
            return 0;
        }

        /** As the kernel does, refuses while a group below is left. */
        @Override
        public void delete() {
            if (!children(path).isEmpty()) {
                throw new IllegalStateException("cgroup " + path + " still has groups below it");
            }
            groups.remove(path);
        }
    }
}
