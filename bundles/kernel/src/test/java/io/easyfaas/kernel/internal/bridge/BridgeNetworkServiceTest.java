package io.easyfaas.kernel.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.easyfaas.api.kernel.BridgeNetwork.BridgeLease;
import io.easyfaas.kernel.internal.LibC;
import io.easyfaas.kernel.internal.netlink.NetnsProcess;
import io.easyfaas.kernel.internal.netlink.Rtnetlink;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bridge mode on the real kernel, with nftables (CI installs it). Sandboxes are sleeps in
 * network namespaces of their own; their traffic is made by Python run with nsenter in them.
 *
 * <p>"The outside world" is a third namespace behind a veth whose host end is a host address
 * on another subnet. It has no route back to the sandbox subnet, so a reply can only come back
 * if the host masqueraded the sandbox's connection: the world's server answers with the peer
 * address it saw, which must be the host's, not the sandbox's.
 */
class BridgeNetworkServiceTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String SERVER = """
            import socket, sys
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('0.0.0.0', int(sys.argv[1])))
            s.listen()
            print('ready', flush=True)
            while True:
                c, peer = s.accept()
                c.sendall(peer[0].encode())
                c.close()
            """;
    private static final String CLIENT = """
            import socket, sys
            try:
                c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1.5)
                print('ok ' + c.recv(100).decode())
            except OSError as e:
                print('error ' + type(e).__name__)
            """;
    private static final int PORT = 8080;

    private final int octet = ThreadLocalRandom.current().nextInt(256);
    private final String suffix = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    private final String worldPrefix = "10.214." + octet + ".";
    private final List<AutoCloseable> cleanups = new ArrayList<>();
    private BridgeNetworkService network;

    @BeforeEach
    void bridge() {
        assumeTrue(LibC.geteuid() == 0, "bridge mode needs root; CI runs as root and runs this");
        network = new BridgeNetworkService(config("eft" + suffix, "10.213." + octet + ".0/24"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanups.size() - 1; i >= 0; i--) {
            cleanups.get(i).close();
        }
        if (network != null) {
            network.deactivate();
        }
    }

    @Test
    void aSandboxReachesTheOutsideThroughNatButNeitherAnotherSandboxNorTheHost() throws Exception {
        NetnsProcess world = outsideWorld();
        NetnsProcess first = track(NetnsProcess.start());
        NetnsProcess second = track(NetnsProcess.start());
        BridgeLease firstLease = network.connect(first.pid());
        BridgeLease secondLease = network.connect(second.pid());
        String gateway = "10.213." + octet + ".1";
        serve(world.pid());
        serve(second.pid());
        int hostPort = hostServer();

        assertEquals("ok " + worldPrefix + "1", connect(first.pid(), worldPrefix + "2", PORT),
                "the world sees the host's address: the sandbox's connection was masqueraded");
        assertEquals("ok " + worldPrefix + "1", connect(second.pid(), worldPrefix + "2", PORT));

        try (Socket fromHost = new Socket()) {
            fromHost.connect(new InetSocketAddress(secondLease.address(), PORT), 1500);
            assertEquals(gateway, new String(fromHost.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                    "the second sandbox's server is up: the host reaches it");
        }
        assertTrue(connect(first.pid(), secondLease.address(), PORT).startsWith("error"), "sandboxes cannot reach each other");
        assertTrue(connect(second.pid(), firstLease.address(), PORT).startsWith("error"));

        assertTrue(connect(world.pid(), worldPrefix + "1", hostPort).startsWith("ok"), "the host port is open to the world");
        assertTrue(connect(first.pid(), worldPrefix + "1", hostPort).startsWith("error"), "but not to a sandbox");
        assertTrue(connect(first.pid(), gateway, hostPort).startsWith("error"), "not even at the bridge's address");
    }

    @Test
    void eachSandboxGetsEth0WithItsOwnAddressAndARouteOut() throws Exception {
        NetnsProcess sandbox = track(NetnsProcess.start());

        BridgeLease lease = network.connect(sandbox.pid());

        assertEquals("10.213." + octet + ".2", lease.address());
        try (Rtnetlink inside = Rtnetlink.openInNetnsOf(sandbox.pid())) {
            assertTrue(inside.link("eth0").up());
        }
        lease.close();
        lease.close();
        NetnsProcess next = track(NetnsProcess.start());
        assertEquals("10.213." + octet + ".3", network.connect(next.pid()).address(), "round robin, the released one last");
    }

    /** A namespace behind the host with its own subnet and no route to the sandboxes. */
    private NetnsProcess outsideWorld() throws Exception {
        NetnsProcess world = track(NetnsProcess.start());
        try (Rtnetlink host = Rtnetlink.open(); Rtnetlink inside = Rtnetlink.openInNetnsOf(world.pid())) {
            host.createVethPair("efw" + suffix, "eth0", world.pid());
            int hostEnd = host.linkIndex("efw" + suffix);
            host.addAddress(hostEnd, worldPrefix + "1", 24);
            host.setLinkUp(hostEnd);
            int eth0 = inside.linkIndex("eth0");
            inside.addAddress(eth0, worldPrefix + "2", 24);
            inside.setLinkUp(eth0);
        }
        return world;
    }

    /** Runs the echo-the-peer server in the namespace of {@code pid} and waits until it listens. */
    private void serve(int pid) throws IOException {
        Process server = new ProcessBuilder("/usr/bin/nsenter", "-t", Integer.toString(pid), "-n", PYTHON, "-I", "-S", "-c", SERVER,
                Integer.toString(PORT)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        cleanups.add(() -> server.destroyForcibly().waitFor());
        assertEquals("ready", new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8)).readLine());
    }

    /** A server of this test on every host address, answering like {@link #SERVER}. */
    private int hostServer() throws IOException {
        ServerSocket server = new ServerSocket(0);
        cleanups.add(server);
        Thread acceptor = new Thread(() -> {
            while (true) {
                try (Socket client = server.accept()) {
                    client.getOutputStream().write(client.getInetAddress().getHostAddress().getBytes(StandardCharsets.UTF_8));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        acceptor.start();
        return server.getLocalPort();
    }

    private static String connect(int pid, String address, int port) throws IOException, InterruptedException {
        Process client = new ProcessBuilder("/usr/bin/nsenter", "-t", Integer.toString(pid), "-n", PYTHON, "-I", "-S", "-c", CLIENT,
                address, Integer.toString(port)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        client.waitFor();
        return line;
    }

    private NetnsProcess track(NetnsProcess process) {
        cleanups.add(process);
        return process;
    }

    private static BridgeNetworkService.Config config(String bridge, String subnet) {
        return new BridgeNetworkService.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return BridgeNetworkService.Config.class;
            }

            @Override
            public String bridge_name() {
                return bridge;
            }

            @Override
            public String subnet() {
                return subnet;
            }
        };
    }
}
