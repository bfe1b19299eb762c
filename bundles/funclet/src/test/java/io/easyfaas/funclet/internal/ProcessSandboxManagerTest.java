package io.easyfaas.funclet.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionEnvironment;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.kernel.CgroupService;
import io.easyfaas.api.kernel.HostCapabilities;
import io.easyfaas.api.kernel.KernelProbe;
import io.easyfaas.kernel.internal.NamespaceLauncher;
import io.easyfaas.api.runtime.RuntimeAdapter;
import io.easyfaas.api.sandbox.Sandbox;
import io.easyfaas.api.sandbox.SandboxExitedException;

/** Runtimes coming and going while sandboxes are asked for, as when a plugin jar is replaced. */
class ProcessSandboxManagerTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /** A bootstrap that only says hello and then waits for the engine to hang up. */
    private static final String HELLO_ONLY = "import os,socket,struct,json\n"
            + "s=socket.socket(socket.AF_UNIX)\n"
            + "s.connect(os.environ['EASYFAAS_RUNTIME_SOCKET'])\n"
            + "h=json.dumps({'type':'hello'}).encode()\n"
            + "s.sendall(struct.pack('>II',len(h),0)+h)\n"
            + "s.recv(1)\n";

    /** A bootstrap that says hello, then answers every frame with the header it got, as JSON. */
    private static final String ECHO = "import os,socket,struct,json\n"
            + "s=socket.socket(socket.AF_UNIX)\n"
            + "s.connect(os.environ['EASYFAAS_RUNTIME_SOCKET'])\n"
            + "def send(h, p=b''):\n    h=json.dumps(h).encode()\n    s.sendall(struct.pack('>II',len(h),len(p))+h+p)\n"
            + "send({'type':'hello'})\n"
            + "f=s.makefile('rb')\n"
            + "frames=0\n"
            + "while True:\n"
            + "    n=f.read(8)\n"
            + "    if len(n)<8: break\n"
            + "    hl,pl=struct.unpack('>II',n)\n"
            + "    h=json.loads(f.read(hl))\n"
            + "    f.read(pl)\n"
            + "    frames+=1\n"
            + "    h['frame']=frames\n"
            + "    send({'type':'result','id':h['id'],'error':False},json.dumps(h).encode())\n";

    @TempDir
    Path data;

    private ProcessSandboxManager funclet;
    private NamespaceLauncher launcher;

    /** A funclet with isolation off: these tests are about runtimes coming and going, and run as any user. */
    private ProcessSandboxManager funclet(long runtimeWaitMillis) throws Exception {
        return funclet(runtimeWaitMillis, null);
    }

    /** @param cgroups when given, sandboxes get cgroups from it (and plain processes, as on a host without root) */
    private ProcessSandboxManager funclet(long runtimeWaitMillis, CgroupService cgroups) throws Exception {
        launcher = new NamespaceLauncher(data.resolve("staging"));
        KernelProbe probe = () -> new HostCapabilities("test", 1000, false, "none", List.of(), List.of());
        FunctionLogStore logs = new FunctionLogStore(data.resolve("logs"), 1 << 20, 2);
        funclet = new ProcessSandboxManager(new ProcessSandboxManager.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ProcessSandboxManager.Config.class;
            }

            @Override
            public String data_dir() {
                return data.toString();
            }

            @Override
            public long start_timeout_millis() {
                return 10_000;
            }

            @Override
            public int max_frame_bytes() {
                return 1 << 20;
            }

            @Override
            public long runtime_wait_millis() {
                return runtimeWaitMillis;
            }

            @Override
            public String isolation() {
                return cgroups == null ? "off" : "auto";
            }

            @Override
            public int sandbox_uid() {
                return 65534;
            }

            @Override
            public int sandbox_gid() {
                return 65534;
            }

            @Override
            public int tmp_size_mb() {
                return 16;
            }

            @Override
            public int pids_max() {
                return 64;
            }

            @Override
            public int cpu_millicores() {
                return 1000;
            }
        }, launcher, probe, cgroups, logs, null);
        return funclet;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (funclet != null) {
            funclet.deactivate();
            launcher.deactivate();
        }
    }

    private static RuntimeAdapter adapter(String name) {
        return adapter(name, HELLO_ONLY);
    }

    private static RuntimeAdapter adapter(String name, String bootstrap) {
        return new RuntimeAdapter() {
            @Override
            public Set<String> runtimeNames() {
                return Set.of(name);
            }

            @Override
            public Path bootstrapDirectory() {
                return Path.of("/");
            }

            @Override
            public List<String> command(String runtimeName, Path bootstrapDirectory) {
                return List.of(PYTHON.toString(), "-I", "-c", bootstrap);
            }
        };
    }

    /** Serves {@code commands}' runtime names, each started by its command line. */
    private static RuntimeAdapter adapter(Map<String, List<String>> commands) {
        return new RuntimeAdapter() {
            @Override
            public Set<String> runtimeNames() {
                return commands.keySet();
            }

            @Override
            public Path bootstrapDirectory() {
                return Path.of("/");
            }

            @Override
            public List<String> command(String runtimeName, Path bootstrapDirectory) {
                return commands.get(runtimeName);
            }
        };
    }

    @Test
    void runtimesAPluginStartsAlikeShareStemCells() throws Exception {
        ProcessSandboxManager manager = funclet(1000);
        List<String> node = List.of("/usr/bin/node", "/b/index.js");
        RuntimeAdapter nodejs = adapter(Map.of("nodejs10", node, "nodejs12", node, "nodejs20", node));
        List<String> python311 = List.of("/usr/bin/python3.11", "-I", "/b/bootstrap.py");
        RuntimeAdapter python = adapter(Map.of("python3", python311, "python3.11", python311,
                "python3.9", List.of("/usr/bin/python3.9", "-I", "/b/bootstrap.py")));
        manager.bindRuntimeAdapter(nodejs);
        manager.bindRuntimeAdapter(python);
        RuntimeAdapter sameCommandOtherPlugin = adapter(Map.of("deno", node));
        manager.bindRuntimeAdapter(sameCommandOtherPlugin);

        for (String runtime : List.of("nodejs10", "nodejs12", "nodejs20")) {
            assertEquals("nodejs20", manager.stemCellRuntime(runtime), runtime);
        }
        assertEquals("python3", manager.stemCellRuntime("python3.11"));
        assertEquals("python3", manager.stemCellRuntime("python3"));
        assertEquals("python3.9", manager.stemCellRuntime("python3.9"), "another interpreter: its own stem cells");
        assertEquals("deno", manager.stemCellRuntime("deno"), "another plugin's runtime never gets a stem cell it did not start");
        assertEquals("ruby3", manager.stemCellRuntime("ruby3"), "not installed");

        manager.unbindRuntimeAdapter(nodejs);
        assertEquals("nodejs12", manager.stemCellRuntime("nodejs12"), "a removed runtime shares nothing");
        assertEquals("python3", manager.stemCellRuntime("python3.11"));
    }

    @Test
    void aRuntimeBeingReplacedIsWaitedFor() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON));
        ProcessSandboxManager manager = funclet(10_000);
        RuntimeAdapter old = adapter("py");
        manager.bindRuntimeAdapter(old);
        manager.unbindRuntimeAdapter(old);
        assertEquals(Set.of(), manager.runtimes(), "a withdrawn runtime is no longer listed");

        CompletableFuture<Sandbox> pending = manager.create("py", 128).toCompletableFuture();
        Thread.sleep(200);
        assertTrue(!pending.isDone(), "waits while no adapter serves the runtime");
        manager.bindRuntimeAdapter(adapter("other")); // another runtime's bind does not satisfy it
        Thread.sleep(100);
        assertTrue(!pending.isDone());
        manager.bindRuntimeAdapter(adapter("py"));
        Sandbox sandbox = pending.get(10, TimeUnit.SECONDS);
        assertEquals("py", sandbox.runtime());
        assertTrue(sandbox.isAlive());
        sandbox.destroy();
    }

    /** A sandbox of the echo runtime made for {@code function}, not initialised yet; skipped without python3. */
    private Sandbox echoSandbox(FunctionConfiguration function, Path code) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON));
        ProcessSandboxManager manager = funclet(1000);
        manager.bindRuntimeAdapter(adapter("py", ECHO));
        return manager.create(function, code).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSandboxMadeForAFunctionLoadsItAndServesOnlyIt() throws Exception {
        Path code = Files.createDirectories(data.resolve("code"));
        FunctionConfiguration function = function("mine", 192);

        Sandbox sandbox = echoSandbox(function, code);
        InvocationResult loaded = sandbox.initialize(function, code).toCompletableFuture().get(10, TimeUnit.SECONDS);

        String init = new String(loaded.payload(), StandardCharsets.UTF_8);
        assertTrue(init.contains("\"type\": \"init\"") && init.contains("\"codeDirectory\": \"" + code + "\"")
                && init.contains("\"handler\": \"index.handler\"") && init.contains("\"memoryLimitMB\": 192"), init);
        InvocationResult called = sandbox.invoke("r1", "{}".getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() + 5000)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(new String(called.payload(), StandardCharsets.UTF_8).contains("\"id\": \"r1\""));
        ExecutionException other = assertThrows(ExecutionException.class,
                () -> sandbox.initialize(function("other", 192), code).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertTrue(other.getCause().getMessage().contains("was made for mine"), other.getCause().getMessage());
        sandbox.destroy();
    }

    @Test
    void aCallMadeWhileAStemCellLoadsItsFunctionReachesTheRuntimeRightBehindTheInit() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON));
        RecordingCgroups cgroups = new RecordingCgroups();
        ProcessSandboxManager manager = funclet(1000, cgroups);
        manager.bindRuntimeAdapter(adapter("py", ECHO));
        Path code = Files.createDirectories(data.resolve("code"));
        Sandbox stem = manager.create("py", 128).toCompletableFuture().get(10, TimeUnit.SECONDS);

        CountDownLatch slowWarmup = new CountDownLatch(1);
        cgroups.memoryLimitsHeld = slowWarmup;
        CompletableFuture<InvocationResult> loaded = stem.initialize(function("mine", 192), code).toCompletableFuture();
        CompletableFuture<InvocationResult> called = stem.invoke("r1", "{}".getBytes(StandardCharsets.UTF_8),
                System.currentTimeMillis() + 5000).toCompletableFuture();
        slowWarmup.countDown();

        String call = new String(called.get(10, TimeUnit.SECONDS).payload(), StandardCharsets.UTF_8);
        assertTrue(new String(loaded.get(10, TimeUnit.SECONDS).payload(), StandardCharsets.UTF_8).contains("\"frame\": 1"));
        assertTrue(call.contains("\"id\": \"r1\"") && call.contains("\"frame\": 2"), call);
        stem.destroy();
    }

    /** A thread that runs the tasks given to it one after another, as an HTTP server's IO thread does. */
    private static final class EventLoop extends Thread implements Executor {
        private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

        EventLoop() {
            super("test-event-loop");
            setDaemon(true);
        }

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        @Override
        public void run() {
            try {
                while (true) {
                    tasks.take().run();
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }
    }

    @Test
    void callsMadeOnAnEventLoopLeaveTogetherOnceItsRoundIsDoneAndCallsMadeElsewhereAtOnce() throws Exception {
        Path code = Files.createDirectories(data.resolve("code"));
        FunctionConfiguration function = function("mine", 128);
        Sandbox sandbox = echoSandbox(function, code);
        sandbox.initialize(function, code).toCompletableFuture().get(10, TimeUnit.SECONDS);
        EventLoop loop = new EventLoop();
        loop.start();
        try {
            List<CompletableFuture<InvocationResult>> calls = new ArrayList<>();
            CompletableFuture<Boolean> answeredDuringTheRound = new CompletableFuture<>();
            loop.execute(() -> {
                for (int i = 1; i <= 3; i++) {
                    calls.add(sandbox.invoke("loop" + i, "{}".getBytes(StandardCharsets.UTF_8),
                            System.currentTimeMillis() + 5000).toCompletableFuture());
                }
                try {
                    Thread.sleep(300); // the runtime answers a frame in well under that
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                answeredDuringTheRound.complete(calls.stream().anyMatch(CompletableFuture::isDone));
            });
            assertFalse(answeredDuringTheRound.get(10, TimeUnit.SECONDS));
            for (int i = 1; i <= 3; i++) {
                String answer = new String(calls.get(i - 1).get(10, TimeUnit.SECONDS).payload(), StandardCharsets.UTF_8);
                assertTrue(answer.contains("\"id\": \"loop" + i + "\"") && answer.contains("\"frame\": " + (i + 1)), answer);
            }

            CompletableFuture<InvocationResult> direct = sandbox.invoke("direct", "{}".getBytes(StandardCharsets.UTF_8),
                    System.currentTimeMillis() + 5000).toCompletableFuture();
            assertTrue(new String(direct.get(10, TimeUnit.SECONDS).payload(), StandardCharsets.UTF_8).contains("\"frame\": 5"));
        } finally {
            loop.interrupt();
            sandbox.destroy();
        }
    }

    @Test
    void stoppingRemovesTheCgroupsAndSocketsItMadeTheParentGroupAndTheSpareIncluded() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON));
        RecordingCgroups cgroups = new RecordingCgroups();
        ProcessSandboxManager manager = funclet(1000, cgroups);
        manager.bindRuntimeAdapter(adapter("py", ECHO));
        Path code = Files.createDirectories(data.resolve("code"));

        Sandbox made = manager.create(function("mine", 192), code).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Sandbox stem = manager.create("py", 96).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertEquals(192L << 20, memoryLimit(cgroups, made), "a sandbox made for a function starts with its memory limit");
        assertEquals(96L << 20, memoryLimit(cgroups, stem), "a stem cell, with the limit the pool asked for");
        assertEquals(4, cgroups.groups.size(), "the parent, the two sandboxes' groups and one made ahead: " + cgroups.groups.keySet());
        funclet = null;
        manager.deactivate();
        launcher.deactivate();
        assertEquals(Set.of(), cgroups.groups.keySet());
        try (Stream<Path> sockets = Files.list(new SandboxDirectories(data).socket("any").getParent())) {
            assertEquals(List.of(), sockets.toList(), "the listener made ahead is closed too");
        }
    }

    @Test
    void aRuntimeIsAskedForHealthOnlyIfItsHelloOffersItAndAStuckOneNeverAnswers() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON));
        String offersPings = "{'type':'hello','ping':True}";
        ProcessSandboxManager manager = funclet(1000);
        manager.bindRuntimeAdapter(adapter("answers", ECHO.replace("{'type':'hello'}", offersPings)));
        manager.bindRuntimeAdapter(adapter("stuck", HELLO_ONLY.replace("{'type':'hello'}", offersPings)
                .replace("s.recv(1)\n", "import time\ntime.sleep(60)\n")));
        manager.bindRuntimeAdapter(adapter("older", HELLO_ONLY));
        Sandbox answers = manager.create("answers", 128).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Sandbox stuck = manager.create("stuck", 128).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Sandbox older = manager.create("older", 128).toCompletableFuture().get(10, TimeUnit.SECONDS);

        answers.ping().toCompletableFuture().get(5, TimeUnit.SECONDS);
        older.ping().toCompletableFuture().get(1, TimeUnit.SECONDS); // not asked: it would never answer
        CompletableFuture<Void> unanswered = stuck.ping().toCompletableFuture();
        Thread.sleep(300);
        assertFalse(unanswered.isDone(), "a runtime that reads no more frames does not answer");
        stuck.destroy();
        ExecutionException gone = assertThrows(ExecutionException.class, () -> unanswered.get(5, TimeUnit.SECONDS));
        assertInstanceOf(SandboxExitedException.class, gone.getCause());
        answers.destroy();
        older.destroy();
    }

    private static long memoryLimit(RecordingCgroups cgroups, Sandbox sandbox) {
        return cgroups.groups.entrySet().stream().filter(e -> e.getKey().endsWith("/" + sandbox.id())).findFirst()
                .orElseThrow().getValue().memoryLimitBytes;
    }

    private static FunctionConfiguration function(String name, int memoryMb) {
        return new FunctionConfiguration(name, "py", "index.handler", memoryMb, 3, "", new FunctionEnvironment(Map.of()),
                "sha", 1, "$LATEST", "now", "rev");
    }

    @Test
    void aSandboxIsStartedOffTheThreadThatAsksForIt() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON));
        ProcessSandboxManager manager = funclet(1000);
        RuntimeAdapter python = adapter("py");
        AtomicReference<String> startedOn = new AtomicReference<>();
        manager.bindRuntimeAdapter(new RuntimeAdapter() {
            @Override
            public Set<String> runtimeNames() {
                return python.runtimeNames();
            }

            @Override
            public Path bootstrapDirectory() {
                return python.bootstrapDirectory();
            }

            @Override
            public List<String> command(String runtimeName, Path bootstrapDirectory) {
                startedOn.set(Thread.currentThread().getName());
                return python.command(runtimeName, bootstrapDirectory);
            }
        });

        Sandbox sandbox = manager.create("py", 128).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertEquals("easyfaas-sandbox-start", startedOn.get(),
                "a launch takes milliseconds of system calls: never on an HTTP or the sandbox-channel thread");
        sandbox.destroy();
    }

    @Test
    void aRuntimeThatDoesNotComeBackIsRefusedNamingTheInstalledOnes() throws Exception {
        ProcessSandboxManager manager = funclet(300);
        manager.bindRuntimeAdapter(adapter("nodejs20"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> manager.create("cobol", 128).toCompletableFuture().get(10, TimeUnit.SECONDS));
        FaasException refused = assertInstanceOf(FaasException.class, e.getCause());
        assertEquals(400, refused.errorCode().status());
        assertTrue(refused.getMessage().contains("[nodejs20]"), refused.getMessage());
    }
}
