package io.easyfaas.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.kernel.ExitStatus;
import io.easyfaas.api.kernel.Isolation;
import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.api.kernel.LaunchSpec;
import io.easyfaas.api.kernel.LaunchedProcess;
import io.easyfaas.api.kernel.MountSpec;

/** Starts real processes, isolated ones as root (CI is root; elsewhere those tests are skipped). */
class NamespaceLauncherTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final int NOBODY = 65534;

    @TempDir
    Path temp;

    private NamespaceLauncher launcher;

    @BeforeEach
    void start() throws IOException {
        launcher = new NamespaceLauncher(temp.resolve("staging"));
    }

    @AfterEach
    void stop() {
        if (launcher != null) {
            launcher.deactivate();
        }
    }

    @Test
    void plainProcessExitStatusAndOutputAreReported() throws Exception {
        Path output = temp.resolve("out.log");
        LaunchedProcess process = launcher.launch(new LaunchSpec(List.of("/bin/sh", "-c", "echo hello $GREETING; exit 3"),
                Map.of("GREETING", "world"), temp.toString(), output, null, null));
        assertEquals(new ExitStatus(3, false), process.exited().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals("hello world\n", Files.readString(output));
    }

    @Test
    void killedProcessIsReportedAsSignaled() throws Exception {
        LaunchedProcess process = launcher.launch(new LaunchSpec(List.of("/bin/sleep", "60"), Map.of(), temp.toString(),
                temp.resolve("out.log"), null, null));
        process.kill();
        assertEquals(new ExitStatus(9, true), process.exited().toCompletableFuture().get(10, TimeUnit.SECONDS));
    }

    @Test
    void missingProgramFailsNamingIt() {
        KernelException failure = assertThrows(KernelException.class, () -> launcher.launch(new LaunchSpec(
                List.of("/no/such/program"), Map.of(), temp.toString(), temp.resolve("out.log"), null, null)));
        assertTrue(failure.getMessage().contains("/no/such/program"), failure.getMessage());
    }

    @Test
    void missingProgramInASandboxFailsNamingIt() {
        assumeRoot();
        KernelException failure = assertThrows(KernelException.class, () -> launcher.launch(
                isolated(List.of("/no/such/program"), temp.resolve("out.log"), false)));
        assertTrue(failure.getMessage().contains("/no/such/program"), failure.getMessage());
    }

    @Test
    void isolatedProcessSeesOnlyItsOwnWorld() throws Exception {
        assumeRoot();
        Path secret = Files.writeString(temp.resolve("secret.txt"), "host data");
        String script = String.join("\n",
                "import os, socket, time",
                "os.read(3, 1)",  // alive until the test has looked at its root from the host
                "deadline = time.monotonic() + 5",  // /proc is mounted from outside just after the start
                "while not os.path.exists('/proc/self') and time.monotonic() < deadline: time.sleep(0.001)",
                "print('uid', os.getuid(), os.geteuid(), os.getgid())",
                "print('host', socket.gethostname())",
                "print('pids', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))",
                "print('secret', os.path.exists('" + secret + "'))",
                "open('/tmp/x', 'w').write('ok'); print('tmp', open('/tmp/x').read())",
                "try:\n    open('/usr/x', 'w')\n    print('usr writable')\nexcept OSError as e:\n    print('usr', e.errno)",
                "try:\n    os.setuid(0)\n    print('became root')\nexcept OSError as e:\n    print('setuid', e.errno)",
                "print('caps', [l.split()[1] for l in open('/proc/self/status') if l.startswith('Cap')])",
                "print('nnp', [l.split()[1] for l in open('/proc/self/status') if l.startswith('NoNewPrivs')])",
                "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)",
                "c = socket.create_connection(s.getsockname(), timeout=2); print('loopback up')");
        Path output = temp.resolve("isolated.log");
        Path socket = temp.resolve("isolated.sock");
        LaunchSpec unconnected = isolated(List.of(PYTHON, "-I", "-S", "-c", script), output, false);
        LaunchedProcess process;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            LaunchSpec spec = new LaunchSpec(unconnected.command(), unconnected.environment(), unconnected.workingDirectory(),
                    output, null, unconnected.isolation(), socket);
            process = launcher.launch(spec);
            try (SocketChannel connection = server.accept()) {
                // the host's tree is detached, and the root read-only, by the time launch returns
                java.util.Set<String> topLevel = new java.util.TreeSet<>();
                spec.isolation().mounts().forEach(mount -> topLevel.add(Path.of(mount.target()).getName(0).toString()));
                try (java.util.stream.Stream<Path> entries = Files.list(Path.of("/proc", Integer.toString(process.pid()), "root"))) {
                    assertEquals(topLevel, entries.map(entry -> entry.getFileName().toString())
                            .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));
                }
                String rootMount = Files.readAllLines(Path.of("/proc", Integer.toString(process.pid()), "mountinfo")).stream()
                        .filter(line -> line.split(" ")[4].equals("/")).findFirst().orElseThrow();
                assertTrue(List.of(rootMount.split(" ")[5].split(",")).contains("ro"), rootMount);
                connection.write(ByteBuffer.wrap(new byte[] {1}));
            }
        }
        ExitStatus status = process.exited().toCompletableFuture().get(20, TimeUnit.SECONDS);
        String printed = Files.readString(output);
        assertEquals(new ExitStatus(0, false), status, printed);
        assertTrue(printed.contains("uid 65534 65534 65534"), printed);
        assertTrue(printed.contains("host sandbox-test"), printed);
        assertTrue(printed.contains("pids [1]"), printed);
        assertTrue(printed.contains("secret False"), printed);
        assertTrue(printed.contains("tmp ok"), printed);
        assertTrue(printed.contains("usr 30"), printed); // EROFS
        assertTrue(printed.contains("setuid 1"), printed); // EPERM
        // inheritable, permitted, effective, bounding and ambient sets all empty
        assertTrue(printed.contains("caps ['0000000000000000', '0000000000000000', '0000000000000000', '0000000000000000', '0000000000000000']"), printed);
        assertTrue(printed.contains("nnp ['1']"), printed);
        assertTrue(printed.contains("loopback up"), printed);
    }

    @Test
    void sandboxesLaunchedAtOnceFromSeveralThreadsAllStart() throws Exception {
        assumeRoot();
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<ExitStatus>> launches = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Path output = temp.resolve("parallel-" + i + ".log");
                launches.add(callers.submit(() -> launcher.launch(isolated(List.of("/bin/sleep", "0.2"), output, false))
                        .exited().toCompletableFuture().get(20, TimeUnit.SECONDS)));
            }
            for (java.util.concurrent.Future<ExitStatus> launch : launches) {
                assertEquals(new ExitStatus(0, false), launch.get(30, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void hostDirectoryIsAttachedToARunningSandbox() throws Exception {
        assumeRoot();
        Path code = Files.createDirectories(temp.resolve("code"));
        Files.writeString(code.resolve("handler.txt"), "attached later");
        String script = String.join("\n",
                "import os, time",
                "while not os.path.exists('/var/task/handler.txt'): time.sleep(0.01)",
                "print(open('/var/task/handler.txt').read())",
                "try:\n    open('/var/task/new', 'w')\nexcept OSError as e:\n    print('readonly', e.errno)");
        Path output = temp.resolve("attach.log");
        LaunchedProcess process = launcher.launch(isolated(List.of(PYTHON, "-I", "-S", "-c", script), output, false));
        process.attach(code, "/var/task", true);
        ExitStatus status = process.exited().toCompletableFuture().get(20, TimeUnit.SECONDS);
        String printed = Files.readString(output);
        assertEquals(new ExitStatus(0, false), status, printed);
        assertTrue(printed.contains("attached later"), printed);
        assertTrue(printed.contains("readonly 30"), printed);
        assertFalse(Files.exists(code.resolve("new")));
    }

    @Test
    void killingTheSandboxEndsEveryProcessInIt() throws Exception {
        assumeRoot();
        String script = "import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n        time.sleep(600)\nprint('forked', flush=True)\ntime.sleep(600)";
        Path output = temp.resolve("tree.log");
        LaunchedProcess process = launcher.launch(isolated(List.of(PYTHON, "-I", "-S", "-c", script), output, false));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(output).contains("forked") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<Long> children = ProcessHandle.of(process.pid()).orElseThrow().children().map(ProcessHandle::pid).toList();
        assertEquals(3, children.size());
        process.kill();
        assertEquals(new ExitStatus(9, true), process.exited().toCompletableFuture().get(10, TimeUnit.SECONDS));
        for (long child : children) {
            assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "process " + child + " outlived its sandbox");
        }
    }

    /** The launcher stages the entries launches began with: one that begins otherwise still gets its own. */
    @Test
    void everySandboxSeesItsOwnEntriesWhateverTheLaunchesBefore() throws Exception {
        assumeRoot();
        Path first = Files.createDirectories(temp.resolve("first"));
        Files.writeString(first.resolve("first.txt"), "1");
        Path second = Files.createDirectories(temp.resolve("second"));
        Files.writeString(second.resolve("second.txt"), "2");
        for (int i = 0; i < 3; i++) {
            assertEquals("first.txt\n", listing(MountSpec.bind(first, "/data", true), "first-" + i));
        }
        assertEquals("second.txt\n", listing(MountSpec.bind(second, "/data", true), "second"));
        assertEquals("second.txt\n", listing(MountSpec.bind(second, "/data", true), "second-again"));
        assertEquals("first.txt\n", listing(MountSpec.bind(first, "/data", true), "first-again"));
    }

    /** A host file replaced after the launcher staged its bind (as DHCP renews resolv.conf) is seen new. */
    @Test
    void aHostFileReplacedAfterItWasStagedIsSeenAsItIsNow() throws Exception {
        assumeRoot();
        Path file = Files.writeString(temp.resolve("resolv.conf"), "old\n");
        MountSpec bind = MountSpec.bind(file, "/etc/resolv.conf", true);
        for (int i = 0; i < 3; i++) {
            assertEquals("old\n", output(List.of("/bin/cat", "/etc/resolv.conf"), bind, "before-" + i));
        }
        Thread.sleep(200); // the thread for the next launch stages its root meanwhile, old file included
        Files.move(Files.writeString(temp.resolve("resolv.conf.new"), "new\n"), file, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        assertEquals("new\n", output(List.of("/bin/cat", "/etc/resolv.conf"), bind, "after"));
    }

    @Test
    void aPlainProcessFindsItsConnectionOpenAsDescriptorThree() throws Exception {
        assertEquals("hello over 3; 4 closed", talkOverConnection(false));
    }

    @Test
    void anIsolatedProcessFindsItsConnectionOpenAsDescriptorThree() throws Exception {
        assumeRoot();
        assertEquals("hello over 3; 4 closed", talkOverConnection(true));
    }

    /** What a process launched with a connection to a listening socket writes over it. */
    private String talkOverConnection(boolean isolatedLaunch) throws Exception {
        Path socket = temp.resolve("engine.sock");
        String script = String.join("\n",
                "import os",
                "try:\n    os.fstat(4)\n    four = 'open'\nexcept OSError:\n    four = 'closed'",
                "os.write(3, ('hello over 3; 4 ' + four).encode())");
        List<String> command = List.of(PYTHON, "-I", "-S", "-c", script);
        Path output = temp.resolve("connected.log");
        LaunchSpec unconnected = isolatedLaunch ? isolated(command, output, false)
                : new LaunchSpec(command, Map.of(), temp.toString(), output, null, null);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            LaunchedProcess process = launcher.launch(new LaunchSpec(unconnected.command(), unconnected.environment(),
                    unconnected.workingDirectory(), output, null, unconnected.isolation(), socket));
            try (SocketChannel connection = server.accept()) {
                assertEquals(new ExitStatus(0, false), process.exited().toCompletableFuture().get(20, TimeUnit.SECONDS),
                        Files.readString(output));
                ByteBuffer received = ByteBuffer.allocate(256);
                while (connection.read(received) > 0) {
                    // until the process's end closes the connection
                }
                return new String(received.array(), 0, received.position(), StandardCharsets.UTF_8);
            }
        }
    }

    /** Entries inside a bound host directory cover what the host has there: here a directory and a file. */
    @Test
    void entriesInsideABoundHostDirectoryCoverWhatTheHostHasThere() throws Exception {
        assumeRoot();
        Path directory = Files.createDirectories(temp.resolve("share"));
        Files.writeString(directory.resolve("mine.txt"), "1");
        Path file = Files.writeString(temp.resolve("env"), "not the host's env\n");
        List<String> command = List.of("/bin/sh", "-c", "ls /usr/share; cat /usr/bin/env");
        for (int i = 0; i < 3; i++) { // the first launch makes every entry, the next ones find /usr staged
            Path output = temp.resolve("nested-" + i + ".log");
            LaunchedProcess process = launcher.launch(isolated(command, output, false,
                    MountSpec.bind(directory, "/usr/share", true), MountSpec.bind(file, "/usr/bin/env", true)));
            assertEquals(new ExitStatus(0, false), process.exited().toCompletableFuture().get(20, TimeUnit.SECONDS), Files.readString(output));
            assertEquals("mine.txt\nnot the host's env\n", Files.readString(output));
        }
    }

    /**
     * The thread that stages the next launch's root ends with the launcher: one still staging when
     * the staging directory is removed would stage the rest in the host's directory.
     */
    @Test
    void noLaunchThreadOutlivesTheLauncher() throws Exception {
        assumeRoot();
        for (int i = 0; i < 2; i++) { // from the second on, the launcher stages what launches share ahead
            output(List.of("/bin/true"), MountSpec.mountPoint("/data"), "before-stop-" + i);
        }
        launcher.deactivate();
        launcher = null;
        assertEquals(List.of(), Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("easyfaas-launch")).toList());
    }

    /** What a sandbox with {@code extra} at the end of its root lists in /data. */
    private String listing(MountSpec extra, String name) throws Exception {
        return output(List.of("/bin/ls", "/data"), extra, name);
    }

    /** What {@code command} prints in a sandbox with {@code extra} at the end of its root. */
    private String output(List<String> command, MountSpec extra, String name) throws Exception {
        Path output = temp.resolve(name + ".log");
        LaunchedProcess process = launcher.launch(isolated(command, output, false, extra));
        assertEquals(new ExitStatus(0, false), process.exited().toCompletableFuture().get(20, TimeUnit.SECONDS), name);
        return Files.readString(output);
    }

    private LaunchSpec isolated(List<String> command, Path output, boolean hostNetwork, MountSpec... extra) {
        List<MountSpec> mounts = new ArrayList<>();
        mounts.add(MountSpec.bind(Path.of("/usr"), "/usr", true));
        for (String link : List.of("bin", "lib", "lib64", "sbin")) {
            Path host = Path.of("/" + link);
            try {
                if (Files.isSymbolicLink(host)) {
                    mounts.add(MountSpec.symlink(Files.readSymbolicLink(host).toString(), "/" + link));
                } else if (Files.isDirectory(host)) {
                    mounts.add(MountSpec.bind(host, "/" + link, true));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        mounts.add(MountSpec.bind(Path.of("/dev/null"), "/dev/null", false));
        mounts.add(MountSpec.proc("/proc"));
        mounts.add(MountSpec.tmpfs("/tmp", 16 << 20));
        mounts.add(MountSpec.mountPoint("/var/task"));
        mounts.addAll(List.of(extra));
        return new LaunchSpec(command, Map.of("PATH", "/usr/bin:/bin"), "/tmp", output, null,
                new Isolation("sandbox-test", NOBODY, NOBODY, mounts, hostNetwork));
    }

    private static void assumeRoot() {
        assumeTrue(LibC.geteuid() == 0, "isolation needs root; run the tests as root to cover it (CI does)");
    }
}
