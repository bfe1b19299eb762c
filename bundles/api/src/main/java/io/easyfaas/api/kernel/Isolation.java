package io.easyfaas.api.kernel;

import java.util.List;
import java.util.Objects;

/**
 * How a launched process is isolated: new PID, mount, IPC and UTS namespaces (and a network
 * namespace with only loopback unless {@code hostNetwork}), the file system view of
 * {@code mounts} as its root, an unprivileged user with no capabilities and no new privileges.
 *
 * @param hostname the sandbox's own host name
 * @param uid user the process runs as; must not be 0
 * @param gid group the process runs as; must not be 0
 * @param mounts the root file system, built in order on an empty read-only root
 * @param hostNetwork {@code true} to share the host's network namespace
 */
public record Isolation(String hostname, int uid, int gid, List<MountSpec> mounts, boolean hostNetwork) {

    public Isolation {
        Objects.requireNonNull(hostname, "hostname");
        mounts = List.copyOf(mounts);
        if (uid <= 0 || gid <= 0) {
            throw new IllegalArgumentException("a sandbox runs as an unprivileged user, not uid " + uid + " gid " + gid);
        }
    }
}
