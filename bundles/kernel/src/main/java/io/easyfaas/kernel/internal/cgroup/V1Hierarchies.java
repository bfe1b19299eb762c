package io.easyfaas.kernel.internal.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.CgroupService;

/**
 * The cgroup v1 driver: a group is a directory of the same path in each controller's hierarchy,
 * {@code <root>/<controller>/<path>}; co-mounted controllers (cpu,cpuacct) share one.
 */
final class V1Hierarchies implements CgroupService {
    static final List<String> CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids", "freezer");

    private final Map<String, Path> roots;

    private V1Hierarchies(Map<String, Path> roots) {
        this.roots = roots;
    }

    /** The driver when every controller it uses is mounted under {@code root}. */
    static Optional<CgroupService> probe(Path root) {
        Map<String, Path> roots = new LinkedHashMap<>();
        for (String controller : CONTROLLERS) {
            Path hierarchy = root.resolve(controller);
            if (!Files.isRegularFile(hierarchy.resolve("cgroup.procs"))) {
                return Optional.empty();
            }
            try {
                roots.put(controller, hierarchy.toRealPath());
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.of(new V1Hierarchies(roots));
    }

    @Override
    public String version() {
        return "v1";
    }

    @Override
    public List<String> controllers() {
        return CONTROLLERS;
    }

    @Override
    public Cgroup create(String path) {
        V1Cgroup group = group(path);
        group.directories().forEach(CgroupFiles::createDirectories);
        return group;
    }

    @Override
    public Optional<Cgroup> find(String path) {
        V1Cgroup group = group(path);
        return Files.isDirectory(group.procs().getParent()) ? Optional.of(group) : Optional.empty();
    }

    @Override
    public List<String> children(String path) {
        return CgroupFiles.children(CgroupFiles.resolve(roots.get("freezer"), path));
    }

    private V1Cgroup group(String path) {
        Map<String, Path> directories = new LinkedHashMap<>();
        roots.forEach((controller, root) -> directories.put(controller, CgroupFiles.resolve(root, path)));
        return new V1Cgroup(path, directories);
    }
}
