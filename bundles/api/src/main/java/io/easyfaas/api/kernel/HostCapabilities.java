package io.easyfaas.api.kernel;

import java.util.List;

/**
 * What the probe found at start.
 *
 * @param cgroupVersion {@code v1}, {@code v2}, or {@code none}: the driver sandboxes get
 * @param cgroupControllers controllers that driver uses, e.g. {@code memory}, {@code pids}
 * @param namespaces namespace kinds this process can create, e.g. {@code pid}, {@code net}
 * @param netlink whether an rtnetlink socket works (needed for network namespaces and bridge mode)
 * @param nat whether egress NAT is possible: nftables installed and the kernel accepts a masquerade rule
 * @param mountApi whether the kernel has the new mount API (fsopen, open_tree; Linux 5.2+)
 */
public record HostCapabilities(
        String kernelRelease,
        int effectiveUid,
        boolean root,
        String cgroupVersion,
        List<String> cgroupControllers,
        List<String> namespaces,
        boolean netlink,
        boolean nat,
        boolean mountApi) {

    /** Capabilities without the network and mount API findings (all reported absent). */
    public HostCapabilities(String kernelRelease, int effectiveUid, boolean root, String cgroupVersion,
            List<String> cgroupControllers, List<String> namespaces) {
        this(kernelRelease, effectiveUid, root, cgroupVersion, cgroupControllers, namespaces, false, false, false);
    }
}
