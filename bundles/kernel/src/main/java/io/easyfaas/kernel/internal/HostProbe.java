package io.easyfaas.kernel.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.easyfaas.api.kernel.HostCapabilities;

/** Reads what isolation the host offers from /proc and /sys; no side effects. */
final class HostProbe {
    /** Controllers a sandbox needs, in the order they are reported. */
    static final List<String> SANDBOX_CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids", "freezer");

    private final Path proc;
    private final Path cgroupRoot;

    HostProbe(Path proc, Path cgroupRoot) {
        this.proc = proc;
        this.cgroupRoot = cgroupRoot;
    }

    HostCapabilities probe(int effectiveUid) {
        String[] cgroups = cgroups();
        return new HostCapabilities(
                readFirstLine(proc.resolve("sys/kernel/osrelease")),
                effectiveUid,
                effectiveUid == 0,
                cgroups[0],
                cgroups[1].isEmpty() ? List.of() : List.of(cgroups[1].split(" ")),
                namespaces());
    }

    /** {version, space-separated controllers}; v2 only when the unified hierarchy is the root. */
    private String[] cgroups() {
        Path unifiedControllers = cgroupRoot.resolve("cgroup.controllers");
        if (Files.isRegularFile(unifiedControllers)) {
            List<String> available = List.of(readFirstLine(unifiedControllers).split("\\s+"));
            return new String[] {"v2", String.join(" ", SANDBOX_CONTROLLERS.stream().filter(available::contains).toList())};
        }
        List<String> v1 = new ArrayList<>();
        for (String controller : SANDBOX_CONTROLLERS) {
            if (Files.isDirectory(cgroupRoot.resolve(controller))) {
                v1.add(controller);
            }
        }
        return v1.isEmpty() ? new String[] {"none", ""} : new String[] {"v1", String.join(" ", v1)};
    }

    private List<String> namespaces() {
        try (Stream<Path> entries = Files.list(proc.resolve("self/ns"))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String readFirstLine(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.findFirst().orElse("").trim();
        } catch (IOException e) {
            return "";
        }
    }
}
