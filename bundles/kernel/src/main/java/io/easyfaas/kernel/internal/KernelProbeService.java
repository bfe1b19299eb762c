package io.easyfaas.kernel.internal;

import java.nio.file.Path;

import io.easyfaas.api.kernel.HostCapabilities;
import io.easyfaas.api.kernel.KernelProbe;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Probes the host once at start and logs what isolation it allows. */
@Component(service = KernelProbe.class, immediate = true)
public class KernelProbeService implements KernelProbe {
    private static final Logger LOG = LoggerFactory.getLogger(KernelProbeService.class);

    private final HostCapabilities capabilities;

    @Activate
    public KernelProbeService() {
        capabilities = new HostProbe(Path.of("/proc"), Path.of("/sys/fs/cgroup"), new KernelChecks()).probe(LibC.geteuid());
        LOG.info("Host: kernel {}, uid {}, cgroup {} {}, namespaces {}, netlink {}, egress NAT {}, mount API {}",
                capabilities.kernelRelease(), capabilities.effectiveUid(), capabilities.cgroupVersion(),
                capabilities.cgroupControllers(), capabilities.namespaces(), capabilities.netlink(), capabilities.nat(),
                capabilities.mountApi());
        if (!capabilities.root()) {
            LOG.warn("Not running as root: sandboxes cannot be isolated by namespaces and cgroups on this host");
        }
        if (!capabilities.nat()) {
            LOG.warn("Egress NAT is unavailable (nftables not installed, or the kernel lacks nf_tables NAT):"
                    + " sandboxes in bridge mode cannot reach beyond the host");
        }
    }

    @Override
    public HostCapabilities capabilities() {
        return capabilities;
    }
}
