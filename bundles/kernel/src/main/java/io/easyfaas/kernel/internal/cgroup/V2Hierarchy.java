package io.easyfaas.kernel.internal.cgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.CgroupService;

/**
 * The cgroup v2 driver: a group is {@code <root>/<path>}; creating one enables the controllers
 * in cgroup.subtree_control of each ancestor, since a child only gets what its parent delegates.
 */
final class V2Hierarchy implements CgroupService {
    static final List<String> CONTROLLERS = List.of("memory", "cpu", "pids");

    private final Path root;

    private V2Hierarchy(Path root) {
        this.root = root;
    }

    /** The driver when {@code root} is a unified hierarchy offering memory, cpu and pids. */
    static Optional<CgroupService> probe(Path root) {
        Path controllers = root.resolve("cgroup.controllers");
        if (!Files.isRegularFile(controllers)) {
            return Optional.empty();
        }
        return words(CgroupFiles.read(controllers)).containsAll(CONTROLLERS)
                ? Optional.of(new V2Hierarchy(root))
                : Optional.empty();
    }

    @Override
    public String version() {
        return "v2";
    }

    @Override
    public List<String> controllers() {
        return CONTROLLERS;
    }

    @Override
    public Cgroup create(String path) {
        Path target = CgroupFiles.resolve(root, path);
        Path parent = root;
        for (Path segment : root.relativize(target)) {
            delegateControllers(parent);
            parent = parent.resolve(segment);
            if (!Files.isDirectory(parent)) {
                CgroupFiles.createDirectories(parent);
            }
        }
        return new V2Cgroup(path, target);
    }

    private static void delegateControllers(Path group) {
        Path subtreeControl = group.resolve("cgroup.subtree_control");
        Set<String> enabled = words(CgroupFiles.read(subtreeControl)).stream()
                .map(w -> w.startsWith("+") ? w.substring(1) : w).collect(Collectors.toSet());
        if (!enabled.containsAll(CONTROLLERS)) {
            CgroupFiles.write(subtreeControl, CONTROLLERS.stream().map(c -> "+" + c).collect(Collectors.joining(" ")));
        }
    }

    @Override
    public Optional<Cgroup> find(String path) {
        Path directory = CgroupFiles.resolve(root, path);
        return Files.isDirectory(directory) ? Optional.of(new V2Cgroup(path, directory)) : Optional.empty();
    }

    @Override
    public List<String> children(String path) {
        return CgroupFiles.children(CgroupFiles.resolve(root, path));
    }

    private static List<String> words(String text) {
        return Stream.of(text.split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }
}
