package io.easyfaas.api.kernel;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Control groups for sandboxes, whatever the host's version: the kernel bundle picks the v1 or
 * v2 driver by probing. Paths are relative to the engine's place in each hierarchy, e.g.
 * {@code easyfaas-1a2b/sbx-7}; a group exists in every controller the driver uses.
 */
@ProviderType
public interface CgroupService {

    /** {@code v1} or {@code v2}. */
    String version();

    /** Controllers in use, e.g. {@code memory}, {@code cpu}, {@code pids}, {@code freezer}. */
    List<String> controllers();

    /** Creates the group (and missing parents); an existing group is returned as it is. */
    Cgroup create(String path);

    /** The group if it exists. */
    Optional<Cgroup> find(String path);

    /** Names of the groups directly under {@code path}; empty when {@code path} does not exist. */
    List<String> children(String path);
}
