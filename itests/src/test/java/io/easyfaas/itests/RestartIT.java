package io.easyfaas.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Test;

/**
 * The packaged engine as a process: what it stored survives {@code kill -9} and a restart, and
 * nothing of the killed run's sandboxes (processes, cgroups, work directories, mounts) outlives
 * the restart; stopped, it leaves no cgroup. Runs bin/easyfaas exactly as {@code ./easyfaas serve} does.
 */
public class RestartIT {
    private PackagedEngine engine;

    @Test
    public void functionsSurviveKillNineAndRestart() throws Exception {
        Path data = Files.createTempDirectory("easyfaas-restart");
        engine = new PackagedEngine(data);
        EngineClient client = engine.start();
        assertEquals(201, client.deploy("survivor", "python3", "index.handler", 3, "index.py",
                "def handler(event, context):\n    return 'still here'\n").statusCode());
        assertEquals("\"still here\"", client.invoke("survivor", "{}").body());
        List<ProcessHandle> sandboxes = engine.handle().children().toList();
        List<String> sandboxIds = sandboxIds(client);
        assertTrue("the engine runs sandboxes: " + sandboxIds, !sandboxes.isEmpty() && !sandboxIds.isEmpty());
        engine.killEngine();
        assertTrue("the sandboxes outlive a killed engine", sandboxes.stream().anyMatch(ProcessHandle::isAlive));

        engine.start();
        HttpResponse<String> after = client.get("/v1/functions/survivor");
        assertEquals(after.body(), 200, after.statusCode());
        assertEquals("\"still here\"", client.invoke("survivor", "{}").body());
        if (!root()) {
            return; // without root there are no cgroups to find an earlier run's sandboxes by
        }
        for (ProcessHandle sandbox : sandboxes) {
            sandbox.onExit().get(10, TimeUnit.SECONDS);
        }
        Path cgroups = Path.of("/sys/fs/cgroup/memory", instanceName(data));
        for (String id : sandboxIds) {
            assertFalse("cgroup of sandbox " + id + " removed", Files.exists(cgroups.resolve(id)));
            assertFalse("work directory of sandbox " + id + " removed", Files.exists(data.resolve("sandboxes").resolve(id)));
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse("no mount of the engine's data directory on the host", mounts.contains(data.toRealPath().toString()));

        engine.stop();
        assertFalse("a stopped engine leaves no cgroup", Files.exists(cgroups));
    }

    /** The ids of the engine's sandboxes, from GET /v1/runtimes. */
    private static List<String> sandboxIds(EngineClient client) {
        Matcher ids = Pattern.compile("\"Id\":\"([0-9a-f]+)\"").matcher(client.get("/v1/runtimes").body());
        List<String> found = new ArrayList<>();
        while (ids.find()) {
            found.add(ids.group(1));
        }
        return found;
    }

    /** The engine's name in the cgroup tree: derived from its data directory, as the funclet does. */
    private static String instanceName(Path data) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest(data.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        return "easyfaas-" + HexFormat.of().formatHex(digest, 0, 6);
    }

    private static boolean root() throws IOException {
        boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(line -> line.matches("Uid:\\s+\\d+\\s+0\\s.*"));
        if (System.getenv("CI") != null) {
            assertTrue("CI runs as root so that crash recovery is tested for real", root);
        }
        return root;
    }

    @After
    public void stop() throws InterruptedException {
        if (engine != null) {
            engine.stop();
        }
    }
}
