package io.easyfaas.kernel.internal.cgroup;

import java.nio.file.Path;
import java.util.Optional;

import io.easyfaas.api.kernel.CgroupService;

/** Picks the cgroup driver the host supports: v2 when the unified hierarchy offers the controllers, else v1. */
public final class CgroupDrivers {

    private CgroupDrivers() {
    }

    /** The driver for the cgroup file system mounted at {@code root}, if either version is usable there. */
    public static Optional<CgroupService> probe(Path root) {
        return V2Hierarchy.probe(root).or(() -> V1Hierarchies.probe(root));
    }
}
