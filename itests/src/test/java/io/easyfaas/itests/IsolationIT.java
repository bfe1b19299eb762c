package io.easyfaas.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import io.easyfaas.api.kernel.KernelProbe;

import java.net.http.HttpResponse;

/**
 * Functions written to attack their sandbox, in Node and in Python. After each attack the
 * engine must still be healthy and a well-behaved function must still answer. These tests
 * need root (CI runs as root and fails them otherwise); elsewhere they are skipped.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class IsolationIT {
    private static final int TMP_MB = 8;
    private static final int PIDS_MAX = 64;
    private static final int CPU_MILLICORES = 250;
    private static final Map<String, String> ATTACKERS = Map.of(
            "attack-node", "nodejs20", "attack-python", "python3");

    @Inject
    private KernelProbe probe;

    private EngineClient engine;

    @Configuration
    public Option[] config() throws IOException {
        return Distribution.engine(Map.of("io.easyfaas.funclet.cfg",
                "data.dir = ${easyfaas.data.dir}\nisolation = required\ntmp.size.mb = " + TMP_MB
                        + "\npids.max = " + PIDS_MAX + "\ncpu.millicores = " + CPU_MILLICORES + "\n"));
    }

    @Before
    public void deployAttackers() throws Exception {
        boolean root = probe.capabilities().root();
        if (System.getenv("CI") != null) {
            assertTrue("CI runs as root so that isolation is tested for real", root);
        }
        assumeTrue("isolation needs root: run the tests as root to cover it (CI does)", root);
        engine = new EngineClient(Integer.getInteger("easyfaas.http.port"));
        engine.awaitReady(() -> true);
        deployIfMissing("attack-node", "nodejs20", "index.js", resource("attack.js"), 128);
        deployIfMissing("attack-python", "python3", "index.py", resource("attack.py"), 128);
        deployIfMissing("well-behaved", "python3", "index.py", "def handler(event, context):\n    return 'fine'\n", 128);
    }

    @Test
    public void seesOnlyItsOwnProcessesHostNameAndAnUnprivilegedUser() throws Exception {
        for (String attacker : ATTACKERS.keySet()) {
            String look = attack(attacker, "{\"attack\":\"look\"}");
            assertTrue(attacker + ": " + look, look.contains("\"pids\":[1]"));
            assertFalse(attacker + ": " + look, look.contains("\"hostname\":\"" + InetAddress.getLocalHost().getHostName() + "\""));
            assertTrue(attacker + ": " + look, look.contains("\"uid\":65534"));
        }
        assertStillHealthy();
    }

    @Test
    public void cannotReadTheEngineDataOrOtherCodeNorWriteOutsideTmp() throws Exception {
        Path data = Path.of(System.getProperty("easyfaas.data.dir"));
        List<String> secrets = new ArrayList<>(List.of(data.toString(), data.resolve("registry").toString(), "/root", "/etc/shadow",
                "/home", "/work"));
        try (var code = Files.list(data.resolve("registry/code"))) {
            code.forEach(directory -> secrets.add(directory.toString()));
        }
        for (String attacker : ATTACKERS.keySet()) {
            String read = attack(attacker, "{\"attack\":\"read\",\"paths\":" + json(secrets) + "}");
            assertFalse(attacker + " read something of the host: " + read, read.contains("allowed"));
            String write = attack(attacker, "{\"attack\":\"write\",\"paths\":[\"/x\",\"/usr/x\",\"/var/task/x\",\"/etc/x\",\"/dev/x\",\"/tmp/x\"]}");
            assertEquals(attacker + ": " + write, 1, count(write, "allowed"));
            assertTrue(attacker + ": " + write, write.contains("\"/tmp/x\":\"allowed\""));
        }
        assertStillHealthy();
    }

    @Test
    public void tmpIsPrivateAndFullAtItsSize() {
        String node = attack("attack-node", "{\"attack\":\"mark-tmp\",\"marker\":\"node-was-here\"}");
        String python = attack("attack-python", "{\"attack\":\"mark-tmp\",\"marker\":\"python-was-here\"}");
        assertFalse(python, python.contains("node-was-here"));
        assertFalse(node, node.contains("python-was-here"));
        for (String attacker : ATTACKERS.keySet()) {
            String fill = attack(attacker, "{\"attack\":\"fill-tmp\"}");
            long written = Long.parseLong(EngineIT.field(fill, "written"));
            assertTrue(attacker + ": " + fill, written <= TMP_MB << 20);
            assertTrue(attacker + ": " + fill, written >= (TMP_MB - 2) << 20);
            assertTrue(attacker + ": " + fill, fill.contains("28") || fill.contains("ENOSPC"));
        }
        assertStillHealthy();
    }

    @Test
    public void allocatingPastMemorySizeEndsTheCallNamingTheLimit() {
        for (String attacker : ATTACKERS.keySet()) {
            HttpResponse<String> response = engine.invoke(attacker, "{\"attack\":\"memory\"}");
            assertEquals(200, response.statusCode());
            assertEquals(response.body(), "Unhandled", response.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
            assertTrue(attacker + ": " + response.body(), response.body().contains("Runtime.OutOfMemory"));
            assertTrue(attacker + ": " + response.body(), response.body().contains("memory limit of 128 MB"));
            assertStillHealthy();
            assertTrue("the attacker's next call gets a fresh sandbox", attack(attacker, "{\"attack\":\"look\"}").contains("\"uid\":65534"));
        }
    }

    @Test
    public void aForkBombStopsAtThePidsLimit() {
        for (String attacker : ATTACKERS.keySet()) {
            String bomb = attack(attacker, "{\"attack\":\"fork-bomb\"}");
            int children = Integer.parseInt(EngineIT.field(bomb, "children"));
            assertTrue(attacker + ": " + bomb, children > 0 && children < PIDS_MAX);
            assertStillHealthy();
        }
    }

    @Test
    public void aCpuSpinIsThrottledToItsQuotaAndStoppedAtItsTimeout() {
        for (String attacker : ATTACKERS.keySet()) {
            String spin = attack(attacker, "{\"attack\":\"spin\",\"seconds\":1.5}");
            double cpu = Double.parseDouble(EngineIT.field(spin, "cpu"));
            double wall = Double.parseDouble(EngineIT.field(spin, "wall"));
            assertTrue(attacker + " used more than its quota: " + spin, cpu / wall < CPU_MILLICORES / 1000.0 + 0.1);
            long started = System.nanoTime();
            HttpResponse<String> endless = engine.invoke(attacker, "{\"attack\":\"spin\",\"seconds\":600}");
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(endless.body(), endless.body().contains("Task timed out"));
            assertTrue("answered at the deadline: " + tookMillis + " ms", tookMillis < 8_000);
            assertStillHealthy();
        }
    }

    @Test
    public void cannotConnectToTheEngineFromTheDefaultNetworkMode() throws Exception {
        List<String> hosts = hostAddresses();
        int port = Integer.getInteger("easyfaas.http.port");
        for (String attacker : ATTACKERS.keySet()) {
            String connect = attack(attacker, "{\"attack\":\"connect\",\"port\":" + port + ",\"hosts\":" + json(hosts) + "}");
            assertFalse(attacker + " reached the engine: " + connect, connect.contains("connected"));
            assertEquals(attacker + ": " + connect, hosts.size(), count(connect, "errno") + count(connect, "timeout"));
        }
        assertStillHealthy();
    }

    /**
     * Each language serves a port on the bridge and tries the other's: sandboxes on the bridge
     * get addresses but no way to each other or to the engine. That egress leaves through NAT is
     * shown by the kernel bundle's BridgeNetworkServiceTest, which has a world to reach.
     */
    @Test
    public void bridgeModeGivesAnAddressButNoWayToAnotherSandboxOrTheHost() throws Exception {
        deployIfMissing("bridged-node", "nodejs20", "index.js", resource("attack.js"), 128, "bridge");
        deployIfMissing("bridged-python", "python3", "index.py", resource("attack.py"), 128, "bridge");
        String node = attack("bridged-node", "{\"attack\":\"address\"}");
        String python = attack("bridged-python", "{\"attack\":\"address\"}");
        for (String address : List.of(node, python)) {
            assertTrue(address, EngineIT.field(address, "address").startsWith("10.88."));
            assertTrue(address, EngineIT.field(address, "gateway").startsWith("10.88."));
        }
        assertNotEquals(node + " " + python, EngineIT.field(node, "address"), EngineIT.field(python, "address"));
        List<String> hosts = hostAddresses();
        hosts.add(EngineIT.field(node, "gateway"));
        for (String[] pair : List.of(new String[] {"bridged-node", "bridged-python", EngineIT.field(python, "address")},
                new String[] {"bridged-python", "bridged-node", EngineIT.field(node, "address")})) {
            attack(pair[1], "{\"attack\":\"serve\",\"port\":8080}");
            String own = attack(pair[1], "{\"attack\":\"connect\",\"port\":8080,\"hosts\":[\"" + pair[2] + "\"]}");
            assertTrue("the server is up, seen from its own sandbox: " + own, own.contains("connected"));
            String toOther = attack(pair[0], "{\"attack\":\"connect\",\"port\":8080,\"hosts\":[\"" + pair[2] + "\"]}");
            assertFalse(pair[0] + " reached " + pair[1] + ": " + toOther, toOther.contains("connected"));
            String toHost = attack(pair[0], "{\"attack\":\"connect\",\"port\":" + Integer.getInteger("easyfaas.http.port")
                    + ",\"hosts\":" + json(hosts) + "}");
            assertFalse(pair[0] + " reached the engine: " + toHost, toHost.contains("connected"));
        }
        assertStillHealthy();
    }

    @Test
    public void hostModeSharesTheHostsNetworkAndNothingElse() throws Exception {
        deployIfMissing("host-net", "python3", "index.py", resource("attack.py"), 128, "host");
        String connect = attack("host-net", "{\"attack\":\"connect\",\"port\":" + Integer.getInteger("easyfaas.http.port")
                + ",\"hosts\":[\"127.0.0.1\"]}");
        assertTrue("network mode host reaches the host's loopback: " + connect, connect.contains("connected"));
        String look = attack("host-net", "{\"attack\":\"look\"}");
        assertTrue(look, look.contains("\"pids\":[1]") && look.contains("\"uid\":65534"));
        HttpResponse<String> unknown = engine.post("/v1/functions", definition("net-bogus", "python3", "index.py", "x = 1\n", 128, "wifi"));
        assertEquals(unknown.body(), 400, unknown.statusCode());
        assertTrue(unknown.body(), unknown.body().contains("Network"));
        assertStillHealthy();
    }

    private static List<String> hostAddresses() throws IOException {
        List<String> hosts = new ArrayList<>(List.of("127.0.0.1"));
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            nic.inetAddresses().filter(address -> address instanceof java.net.Inet4Address && !address.isLoopbackAddress())
                    .forEach(address -> hosts.add(address.getHostAddress()));
        }
        return hosts;
    }

    /** The attack's report, without the blanks that Python's JSON puts in and Node's does not. */
    private String attack(String attacker, String event) {
        HttpResponse<String> response = engine.invoke(attacker, event);
        assertEquals(response.body(), 200, response.statusCode());
        assertEquals(attacker + ": " + response.body(), null, response.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
        return response.body().replaceAll("\\s", "");
    }

    private void assertStillHealthy() {
        assertEquals(200, engine.get("/healthz").statusCode());
        HttpResponse<String> fine = engine.invoke("well-behaved", "{}");
        assertEquals(fine.body(), 200, fine.statusCode());
        assertEquals("\"fine\"", fine.body());
    }

    private void deployIfMissing(String name, String runtime, String file, String content, int memory) {
        deployIfMissing(name, runtime, file, content, memory, "none");
    }

    private void deployIfMissing(String name, String runtime, String file, String content, int memory, String network) {
        if (engine.get("/v1/functions/" + name).statusCode() == 404) {
            HttpResponse<String> deployed = engine.post("/v1/functions", definition(name, runtime, file, content, memory, network));
            assertEquals(deployed.body(), 201, deployed.statusCode());
        }
        assertNotEquals(404, engine.get("/v1/functions/" + name).statusCode());
    }

    /** Functions that wait on network connections get time for them; the others keep 3 s so that a spin ends soon. */
    private static String definition(String name, String runtime, String file, String content, int memory, String network) {
        int timeout = "none".equals(network) ? 3 : 10;
        return "{\"FunctionName\":\"" + name + "\",\"Runtime\":\"" + runtime + "\",\"Handler\":\"index.handler\",\"Timeout\":" + timeout + ","
                + "\"MemorySize\":" + memory + ",\"Network\":\"" + network + "\",\"Code\":{\"ZipFile\":\""
                + Zips.base64(Zips.of(file, content)) + "\"}}";
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = IsolationIT.class.getResourceAsStream("/attacks/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String json(List<String> values) {
        return values.stream().map(value -> "\"" + value + "\"").collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    private static int count(String text, String word) {
        int count = 0;
        for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
            count++;
        }
        return count;
    }
}
