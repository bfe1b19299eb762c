package io.easyfaas.kernel.internal.bridge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import io.easyfaas.api.kernel.BridgeNetwork;
import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.kernel.internal.netlink.Ipv4;
import io.easyfaas.kernel.internal.netlink.Link;
import io.easyfaas.kernel.internal.netlink.Rtnetlink;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridge mode. The bridge (the sandboxes' gateway), forwarding and the netfilter rules are set
 * up at the first connection; each connection then costs one veth pair, whose sandbox end is
 * born as eth0 in the sandbox's namespace, and a few netlink requests on each side. The veth is
 * never deleted here: it dies with the sandbox's network namespace, which the kernel batches.
 */
@Component(service = BridgeNetwork.class, configurationPid = "io.easyfaas.kernel.bridge")
@Designate(ocd = BridgeNetworkService.Config.class)
public class BridgeNetworkService implements BridgeNetwork {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeNetworkService.class);
    private static final int EEXIST = 17;
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
    private static final String SANDBOX_INTERFACE = "eth0";

    @ObjectClassDefinition(name = "EasyFaaS bridge network", description = "The network of sandboxes in bridge mode")
    public @interface Config {
        @AttributeDefinition(description = "Name of the bridge the engine creates (at most 15 characters)")
        String bridge_name() default "easyfaas0";

        @AttributeDefinition(description = "IPv4 subnet of the sandboxes; its first address is the bridge's")
        String subnet() default "10.88.0.0/16";
    }

    private final String bridge;
    private final AddressPool addresses;
    private final Optional<Nft> nft;
    private final String table;
    private final Rtnetlink host;
    /** Index of the bridge once set up; guarded by this. */
    private int bridgeIndex;

    @Activate
    public BridgeNetworkService(Config config) {
        bridge = config.bridge_name();
        if (!bridge.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("bridge.name must be 1 to 15 letters, digits, '_', '.' or '-': " + bridge);
        }
        addresses = AddressPool.of(config.subnet());
        nft = Nft.find();
        table = "easyfaas_" + bridge.replaceAll("[^A-Za-z0-9_]", "_");
        host = Rtnetlink.open();
    }

    @Override
    public BridgeLease connect(int pid) {
        Ipv4 address = addresses.allocate();
        try {
            plugIn(pid, address);
        } catch (RuntimeException e) {
            addresses.release(address);
            throw e;
        }
        return new Lease(address);
    }

    private void plugIn(int pid, Ipv4 address) {
        int bridgeIndex = bridge();
        String hostEnd = "efb" + pid;
        try {
            host.createVethPair(hostEnd, SANDBOX_INTERFACE, pid);
        } catch (KernelException e) {
            Optional<Link> stale = host.findLink(hostEnd);
            if (e.errno() != EEXIST || stale.isEmpty()) {
                throw e;
            }
            // left by an earlier process with the same pid whose namespace is still being torn down
            host.deleteLink(stale.get().index());
            host.createVethPair(hostEnd, SANDBOX_INTERFACE, pid);
        }
        int port = host.linkIndex(hostEnd);
        host.setMaster(port, bridgeIndex);
        host.setBridgePortIsolated(port);
        host.setLinkUp(port);
        try (Rtnetlink sandbox = Rtnetlink.openInNetnsOf(pid)) {
            int eth0 = sandbox.linkIndex(SANDBOX_INTERFACE);
            sandbox.addAddress(eth0, address.toString(), addresses.prefixLength());
            sandbox.setLinkUp(eth0);
            sandbox.addDefaultRoute(addresses.gateway().toString());
        }
    }

    /** The bridge's index, setting up the bridge, forwarding and rules on first use. */
    private synchronized int bridge() {
        if (bridgeIndex != 0) {
            return bridgeIndex;
        }
        Nft firewall = nft.orElseThrow(() -> new KernelException("bridge mode needs nftables (the nft binary) to keep"
                + " sandboxes away from the host's addresses and from each other; it is not installed", 0));
        firewall.apply(BridgeRules.filter(table, bridge));
        try {
            firewall.apply(BridgeRules.nat(table + "_nat", bridge, addresses.cidr()));
        } catch (KernelException e) {
            LOG.warn("Egress NAT is unavailable, sandboxes in bridge mode reach nothing beyond the host: {}", e.getMessage());
        }
        try {
            host.createBridge(bridge);
        } catch (KernelException e) {
            if (e.errno() != EEXIST) {
                throw e;
            }
        }
        int index = host.linkIndex(bridge);
        try {
            host.addAddress(index, addresses.gateway().toString(), addresses.prefixLength());
        } catch (KernelException e) {
            if (e.errno() != EEXIST) {
                throw e;
            }
        }
        host.setLinkUp(index);
        enableForwarding();
        LOG.info("Bridge {} at {}/{} for sandboxes of {}", bridge, addresses.gateway(), addresses.prefixLength(), addresses.cidr());
        bridgeIndex = index;
        return index;
    }

    private static void enableForwarding() {
        try {
            Files.writeString(IP_FORWARD, "1");
        } catch (IOException e) {
            throw new KernelException("write 1 to " + IP_FORWARD + ": " + e.getMessage(), e);
        }
    }

    /** Removes the bridge and its rules; sandboxes still attached have lost their network anyway. */
    @Deactivate
    synchronized void deactivate() {
        try {
            if (bridgeIndex != 0) {
                host.deleteLink(bridgeIndex);
                nft.ifPresent(firewall -> firewall.apply(BridgeRules.delete(table) + BridgeRules.delete(table + "_nat")));
            }
        } finally {
            host.close();
        }
    }

    private final class Lease implements BridgeLease {
        private final Ipv4 address;
        private final AtomicBoolean closed = new AtomicBoolean();

        Lease(Ipv4 address) {
            this.address = address;
        }

        @Override
        public String address() {
            return address.toString();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                addresses.release(address);
            }
        }
    }
}
