package io.easyfaas.api.kernel;

import java.util.List;

/**
 * What the probe found at start.
 *
 * @param cgroupVersion {@code v1}, {@code v2}, or {@code none}
 * @param cgroupControllers controllers usable for sandboxes, e.g. {@code memory}, {@code pids}
 * @param namespaces namespace kinds this process can create, e.g. {@code pid}, {@code net}
 */
public record HostCapabilities(
        String kernelRelease,
        int effectiveUid,
        boolean root,
        String cgroupVersion,
        List<String> cgroupControllers,
        List<String> namespaces) {
}
