package io.easyfaas.kernel.internal.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.kernel.internal.LibC;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against the real kernel, each test in network namespaces of its own (needs root; CI is root). */
class RtnetlinkTest {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int ENODEV = 19;

    @BeforeAll
    static void needsRoot() {
        assumeTrue(LibC.geteuid() == 0, "rtnetlink changes need root; CI runs as root and runs these");
    }

    @Test
    void bringsLoopbackUpInANewNetworkNamespace() throws Exception {
        inNewNetns(rtnetlink -> {
            assertFalse(rtnetlink.link("lo").up(), "a new netns starts with loopback down");

            rtnetlink.setLinkUp(rtnetlink.linkIndex("lo"));

            assertTrue(rtnetlink.link("lo").up());
        });
    }

    @Test
    void createsABridgeWithAnIsolatedVethPortAndDeletesLinks() throws Exception {
        inNewNetns(rtnetlink -> {
            rtnetlink.createBridge("br-test");
            rtnetlink.createVethPair("veth-host", "veth-peer");
            int bridge = rtnetlink.linkIndex("br-test");
            int port = rtnetlink.linkIndex("veth-host");

            rtnetlink.setMaster(port, bridge);
            rtnetlink.setBridgePortIsolated(port);
            rtnetlink.setLinkUp("br-test");
            rtnetlink.addAddress(bridge, "10.77.0.1", 24);

            assertEquals(bridge, rtnetlink.link("veth-host").master());
            assertTrue(rtnetlink.link("br-test").up());
            List<String> names = rtnetlink.links().stream().map(Link::name).toList();
            assertTrue(names.containsAll(List.of("lo", "br-test", "veth-host", "veth-peer")), names.toString());

            rtnetlink.deleteLink(port);

            List<String> left = rtnetlink.links().stream().map(Link::name).toList();
            assertFalse(left.contains("veth-host") || left.contains("veth-peer"), "a veth dies with its peer: " + left);
        });
    }

    @Test
    void configuresAVethEndInTheNetnsOfAnotherProcess() throws Exception {
        try (NetnsProcess sandbox = NetnsProcess.start()) {
            int pid = sandbox.pid();
            inNewNetns(rtnetlink -> {
                rtnetlink.createVethPair("veth-out", "eth0", pid);
                rtnetlink.createVethPair("veth-a", "moved0");
                rtnetlink.moveToNetnsOfPid(rtnetlink.linkIndex("moved0"), pid);

                try (Rtnetlink inside = Rtnetlink.openInNetnsOf(pid)) {
                    int eth0 = inside.linkIndex("eth0");
                    inside.addAddress(eth0, "10.78.0.2", 24);
                    inside.setLinkUp(eth0);
                    inside.addDefaultRoute("10.78.0.1");
                    assertTrue(inside.link("eth0").up());
                    assertTrue(inside.links().stream().anyMatch(l -> l.name().equals("moved0")));
                }
                List<String> here = rtnetlink.links().stream().map(Link::name).toList();
                assertTrue(here.contains("veth-out") && !here.contains("eth0") && !here.contains("moved0"), here.toString());
            });
        }
    }

    @Test
    void refusalsNameTheOperationAndCarryTheErrno() throws Exception {
        inNewNetns(rtnetlink -> {
            KernelException unknown = assertThrows(KernelException.class, () -> rtnetlink.link("nosuch0"));
            assertEquals(ENODEV, unknown.errno());
            assertTrue(unknown.getMessage().contains("get link nosuch0"), unknown.getMessage());
            assertTrue(rtnetlink.findLink("nosuch0").isEmpty());

            KernelException duplicate = assertThrows(KernelException.class, () -> rtnetlink.createBridge("lo"));
            assertTrue(duplicate.getMessage().contains("create bridge lo"), duplicate.getMessage());

            assertThrows(KernelException.class, () -> rtnetlink.setLinkUp(987654));
            assertThrows(IllegalArgumentException.class, () -> rtnetlink.addAddress(1, "example.com", 24));
        });
    }

    /** Runs {@code work} on a thread of its own in a new network namespace, which dies with it. */
    private static void inNewNetns(NetnsWork work) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                LibC.unshare(CLONE_NEWNET);
                try (Rtnetlink rtnetlink = Rtnetlink.open()) {
                    work.run(rtnetlink);
                }
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        thread.start();
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (Exception) e.getCause();
        }
    }

    @FunctionalInterface
    interface NetnsWork {
        void run(Rtnetlink rtnetlink) throws Exception;
    }
}
