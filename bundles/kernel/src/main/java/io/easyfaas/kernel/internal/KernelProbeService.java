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
        capabilities = new HostProbe(Path.of("/proc"), Path.of("/sys/fs/cgroup")).probe(LibC.INSTANCE.geteuid());
        LOG.info("Host: kernel {}, uid {}, cgroup {} {}, namespaces {}", capabilities.kernelRelease(),
                capabilities.effectiveUid(), capabilities.cgroupVersion(), capabilities.cgroupControllers(),
                capabilities.namespaces());
        if (!capabilities.root()) {
            LOG.warn("Not running as root: sandboxes cannot be isolated by namespaces and cgroups on this host");
        }
    }

    @Override
    public HostCapabilities capabilities() {
        return capabilities;
    }
}
