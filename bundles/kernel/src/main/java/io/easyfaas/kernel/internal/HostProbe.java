package io.easyfaas.kernel.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.easyfaas.api.kernel.CgroupService;
import io.easyfaas.api.kernel.HostCapabilities;
import io.easyfaas.kernel.internal.cgroup.CgroupDrivers;

/** Finds what isolation the host offers: reads /proc and /sys, and asks {@link LiveChecks} what it must try. */
final class HostProbe {
    /** Namespace kinds a sandbox uses, in the order they are reported. */
    static final List<String> SANDBOX_NAMESPACES = List.of("cgroup", "ipc", "mnt", "net", "pid", "uts");
    private static final Pattern RELEASE = Pattern.compile("(\\d+)\\.(\\d+).*");

    /** The checks that act on the kernel rather than read files; tests substitute them. */
    interface LiveChecks {
        boolean canCreateNamespace(String kind);

        boolean netlink();

        boolean nat();
    }

    private final Path proc;
    private final Path cgroupRoot;
    private final LiveChecks checks;

    HostProbe(Path proc, Path cgroupRoot, LiveChecks checks) {
        this.proc = proc;
        this.cgroupRoot = cgroupRoot;
        this.checks = checks;
    }

    HostCapabilities probe(int effectiveUid) {
        String release = readFirstLine(proc.resolve("sys/kernel/osrelease"));
        Optional<CgroupService> cgroups = CgroupDrivers.probe(cgroupRoot);
        return new HostCapabilities(
                release,
                effectiveUid,
                effectiveUid == 0,
                cgroups.map(CgroupService::version).orElse("none"),
                cgroups.map(CgroupService::controllers).orElse(List.of()),
                namespaces(),
                checks.netlink(),
                checks.nat(),
                atLeast(release, 5, 2));
    }

    private List<String> namespaces() {
        try (Stream<Path> entries = Files.list(proc.resolve("self/ns"))) {
            List<String> present = entries.map(p -> p.getFileName().toString()).toList();
            return SANDBOX_NAMESPACES.stream().filter(present::contains).filter(checks::canCreateNamespace).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    static boolean atLeast(String release, int major, int minor) {
        Matcher version = RELEASE.matcher(release);
        if (!version.matches()) {
            return false;
        }
        int actualMajor = Integer.parseInt(version.group(1));
        return actualMajor > major || actualMajor == major && Integer.parseInt(version.group(2)) >= minor;
    }

    private static String readFirstLine(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.findFirst().orElse("").trim();
        } catch (IOException e) {
            return "";
        }
    }
}
