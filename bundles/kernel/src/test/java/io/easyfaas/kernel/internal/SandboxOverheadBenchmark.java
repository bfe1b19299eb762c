package io.easyfaas.kernel.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.CgroupService;
import io.easyfaas.api.kernel.Isolation;
import io.easyfaas.api.kernel.LaunchSpec;
import io.easyfaas.api.kernel.MountSpec;
import io.easyfaas.api.kernel.ProcessLauncher;
import io.easyfaas.kernel.internal.cgroup.CgroupDrivers;
import io.easyfaas.kernel.internal.cgroup.FastMigrations;

/**
 * What a sandbox adds to starting an interpreter: the same {@code python3 -I -S -c pass} is
 * launched plain and in a full sandbox (namespaces with a network namespace, the funclet's file
 * system view, cgroup with limits and favordynmods as the engine sets it, /proc), alternately, and
 * timed from launch to exit. Not a
 * test: run it with bench/sandbox-overhead.sh (needs root), which keeps its report.
 */
class SandboxOverheadBenchmark {
    private static final List<String> COMMAND = List.of("/usr/bin/python3", "-I", "-S", "-c", "pass");
    private static final String PARENT_GROUP = "easyfaas-benchmark";

    @Test
    void sandboxCreationOverhead(@TempDir Path temp) throws Exception {
        int rounds = Integer.getInteger("rounds", 200);
        NamespaceLauncher launcher = new NamespaceLauncher(temp.resolve("staging"));
        CgroupService cgroups = CgroupDrivers.probe(Path.of("/sys/fs/cgroup")).orElseThrow();
        FastMigrations fastMigrations = FastMigrations.enable(temp.resolve("favordynmods")); // as the engine's cgroup service does
        Path output = temp.resolve("out.log");
        Path bootstrap = Files.createDirectories(temp.resolve("bootstrap"));
        Path socket = Files.createFile(temp.resolve("runtime.sock"));
        List<Long> plain = new ArrayList<>();
        List<Long> isolated = new ArrayList<>();
        try {
            for (int round = -10; round < rounds; round++) {
                long plainNanos = timeLaunch(launcher, new LaunchSpec(COMMAND, Map.of(), "/tmp", output, null, null));
                long isolatedNanos = timeIsolated(launcher, cgroups, "bench-" + round, output, bootstrap, socket);
                if (round >= 0) { // the first ten warm the caches
                    plain.add(plainNanos);
                    isolated.add(isolatedNanos);
                }
            }
        } finally {
            launcher.deactivate();
            fastMigrations.close();
            cgroups.find(PARENT_GROUP).ifPresent(Cgroup::delete); // each round removes its own group; this is their parent
        }
        String report = String.format(Locale.ROOT,
                "python3 -I -S -c pass, launch to exit, %d rounds alternating%n"
                        + "plain process:   median %.2f ms, p90 %.2f ms%n"
                        + "full sandbox:    median %.2f ms, p90 %.2f ms%n"
                        + "added by the sandbox (median): %.2f ms (target <= 5 ms)%n",
                rounds, millis(median(plain)), millis(percentile(plain, 90)), millis(median(isolated)),
                millis(percentile(isolated, 90)), millis(median(isolated) - median(plain)));
        System.out.print(report);
        String target = System.getProperty("report");
        if (target != null) {
            Files.writeString(Path.of(target), report);
        }
    }

    private static long timeIsolated(ProcessLauncher launcher, CgroupService cgroups, String name, Path output, Path bootstrap,
            Path socket) throws Exception {
        long started = System.nanoTime();
        Cgroup cgroup = cgroups.create(PARENT_GROUP + "/" + name);
        cgroup.limitMemory(256L << 20);
        cgroup.limitCpu(1000);
        cgroup.limitPids(256);
        List<MountSpec> mounts = new ArrayList<>();
        for (String directory : List.of("/usr", "/bin", "/sbin", "/lib", "/lib64")) {
            Path host = Path.of(directory);
            mounts.add(Files.isSymbolicLink(host) ? MountSpec.symlink(Files.readSymbolicLink(host).toString(), directory)
                    : MountSpec.bind(host, directory, true));
        }
        for (String entry : List.of("passwd", "group", "hosts", "resolv.conf", "nsswitch.conf", "ssl", "alternatives", "ld.so.cache")) {
            if (Files.exists(Path.of("/etc", entry))) {
                mounts.add(MountSpec.bind(Path.of("/etc", entry), "/etc/" + entry, true));
            }
        }
        for (String device : List.of("null", "zero", "full", "random", "urandom")) {
            mounts.add(MountSpec.bind(Path.of("/dev", device), "/dev/" + device, false));
        }
        mounts.add(MountSpec.proc("/proc"));
        mounts.add(MountSpec.tmpfs("/tmp", 512L << 20));
        mounts.add(MountSpec.bind(bootstrap, "/opt/easyfaas/runtime", true));
        mounts.add(MountSpec.mountPoint("/var/task"));
        mounts.add(MountSpec.bind(socket, "/run/easyfaas/runtime.sock", false));
        launcher.launch(new LaunchSpec(COMMAND, Map.of(), "/tmp", output, cgroup,
                new Isolation("sandbox-" + name, 65534, 65534, mounts, false))).exited().toCompletableFuture().join();
        long took = System.nanoTime() - started;
        cgroup.delete();
        return took;
    }

    private static long timeLaunch(ProcessLauncher launcher, LaunchSpec spec) {
        long started = System.nanoTime();
        launcher.launch(spec).exited().toCompletableFuture().join();
        return System.nanoTime() - started;
    }

    private static long median(List<Long> values) {
        return percentile(values, 50);
    }

    private static long percentile(List<Long> values, int percent) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100));
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
