package io.easyfaas.api.kernel;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The {@code bridge} network mode: a sandbox's network namespace gets a veth pair to the
 * engine's bridge, an address, a default route and NAT egress; sandboxes on the bridge cannot
 * reach each other or the host's own addresses.
 */
@ProviderType
public interface BridgeNetwork {

    /** Connects the network namespace of process {@code pid}. */
    BridgeLease connect(int pid);

    /** A sandbox's place on the bridge; closing it frees its address. */
    interface BridgeLease extends AutoCloseable {

        /** The sandbox's IPv4 address. */
        String address();

        @Override
        void close();
    }
}
