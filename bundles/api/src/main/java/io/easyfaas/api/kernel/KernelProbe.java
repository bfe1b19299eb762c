package io.easyfaas.api.kernel;

import org.osgi.annotation.versioning.ProviderType;

/** Reports what isolation this host allows. */
@ProviderType
public interface KernelProbe {

    HostCapabilities capabilities();
}
