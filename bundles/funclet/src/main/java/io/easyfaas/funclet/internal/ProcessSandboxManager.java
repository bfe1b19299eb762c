package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BinaryOperator;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.kernel.BridgeNetwork;
import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.CgroupService;
import io.easyfaas.api.kernel.HostCapabilities;
import io.easyfaas.api.kernel.KernelProbe;
import io.easyfaas.api.kernel.MountSpec;
import io.easyfaas.api.kernel.ProcessLauncher;
import io.easyfaas.api.runtime.RuntimeAdapter;
import io.easyfaas.api.sandbox.Sandbox;
import io.easyfaas.api.sandbox.SandboxManager;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The funclet: starts sandboxes for the runtimes that installed plugins provide. */
// the shipped config/io.easyfaas.funclet.cfg is required: activating first with defaults and
// again with the file would start sandboxes under limits that are not the configured ones
@Component(service = SandboxManager.class, configurationPid = "io.easyfaas.funclet", configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ProcessSandboxManager.Config.class)
public class ProcessSandboxManager implements SandboxManager {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessSandboxManager.class);
    private static final long MEGABYTE = 1024 * 1024;
    /** How long stopping waits for destroyed sandboxes to be reaped before it removes their parent cgroup. */
    private static final long REAP_WAIT_MILLIS = 2_000;

    @ObjectClassDefinition(name = "EasyFaaS funclet", description = "How sandboxes are started")
    public @interface Config {
        @AttributeDefinition(description = "Engine data directory; sandboxes keep work files, logs and sockets below it")
        String data_dir() default "data";

        @AttributeDefinition(description = "How long a runtime may take to start and connect, in milliseconds")
        long start_timeout_millis() default 10_000;

        @AttributeDefinition(description = "Largest frame a runtime may send (header plus payload), in bytes")
        int max_frame_bytes() default 16 * 1024 * 1024;

        @AttributeDefinition(description = "required: refuse to start without namespaces and cgroups; auto: isolate what the host allows"
                + " and warn about the rest; off: plain child processes (development only)")
        String isolation() default "auto";

        @AttributeDefinition(description = "User id sandboxes run as; never 0")
        int sandbox_uid() default 65534;

        @AttributeDefinition(description = "Group id sandboxes run as; never 0")
        int sandbox_gid() default 65534;

        @AttributeDefinition(description = "Size of each sandbox's private /tmp, in MB")
        int tmp_size_mb() default 512;

        @AttributeDefinition(description = "Most processes and threads a sandbox may have")
        int pids_max() default 256;

        @AttributeDefinition(description = "CPU a sandbox may use, in thousandths of a CPU")
        int cpu_millicores() default 1000;

        @AttributeDefinition(description = "How long a sandbox request waits for a runtime that is not installed, in "
                + "milliseconds: a plugin being replaced has no adapter between the old revision's stop and the new one's start")
        long runtime_wait_millis() default 5_000;
    }

    private final Config config;
    private final FunctionLogStore logs;
    private final SandboxDirectories directories;
    private final ChannelReactor reactor;
    private final SandboxStarter starter = new SandboxStarter();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, RuntimeAdapter> adapters = new ConcurrentHashMap<>();
    /** Each installed runtime with the runtime whose stem cells serve it; replaced as adapters come and go. */
    private volatile Map<String, String> stemCellRuntimes = Map.of();
    private final Set<ProcessSandbox> live = ConcurrentHashMap.newKeySet();
    /** What the next sandbox needs before its runtime starts, made ahead after each start. */
    private final AtomicReference<SandboxSlot> spareSlot = new AtomicReference<>();
    private final ProcessLauncher launcher;
    /** Absent where the host cannot keep bridged sandboxes apart (no nft, not root). */
    private final BridgeNetwork bridge;
    private final CgroupService cgroups;
    private final SandboxLayout layout;
    /** Completed, and replaced, whenever an adapter is bound or the funclet stops: wakes requests waiting for a runtime. */
    private final AtomicReference<CompletableFuture<Void>> adapterBound = new AtomicReference<>(new CompletableFuture<>());
    private volatile boolean closed;

    /**
     * @param cgroups absent where the host offers no cgroup controllers
     */
    @Activate
    public ProcessSandboxManager(Config config, @Reference ProcessLauncher launcher, @Reference KernelProbe probe,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY) CgroupService cgroups,
            @Reference FunctionLogStore logs,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY) BridgeNetwork bridge)
            throws IOException {
        this.config = config;
        this.launcher = launcher;
        this.logs = logs;
        this.bridge = bridge;
        directories = new SandboxDirectories(Path.of(config.data_dir()));
        IsolationMode mode = IsolationMode.parse(config.isolation());
        HostCapabilities host = probe.capabilities();
        boolean namespaces = host.root() && mode != IsolationMode.OFF;
        this.cgroups = mode == IsolationMode.OFF ? null : cgroups;
        if (mode == IsolationMode.REQUIRED && (!namespaces || this.cgroups == null)) {
            throw new IllegalStateException("isolation=required, but this host allows " + (host.root() ? "" : "no namespaces (not root) ")
                    + (cgroups == null ? "no cgroups " : "") + "- refusing to start sandboxes");
        }
        if (mode == IsolationMode.AUTO && (!namespaces || this.cgroups == null)) {
            LOG.warn("SANDBOXES ARE NOT FULLY ISOLATED on this host: {}{}set isolation=required to refuse to run like this",
                    namespaces ? "" : "no namespaces, mounts or user change (the engine is not root); ",
                    this.cgroups == null ? "no cgroup limits (no usable cgroup controllers); " : "");
        }
        if (mode == IsolationMode.OFF) {
            LOG.warn("isolation=off: functions run as plain processes of the engine's user, seeing the whole host");
        }
        layout = namespaces
                ? SandboxLayout.isolated(config.sandbox_uid(), config.sandbox_gid(), config.tmp_size_mb() * MEGABYTE,
                        directories.data(), directories.empty())
                : SandboxLayout.unisolated();
        deleteSandboxCgroups("left by an earlier engine process");
        directories.reclaim();
        reactor = new ChannelReactor("easyfaas-sandbox-channels", logs::writeHeld);
        reactor.execute(logs::holdAppendsOfThisThread); // calls answered in one wake-up write each log once
    }

    /**
     * Kills and removes the sandbox cgroups under this engine's parent: at start, those an
     * earlier engine process left (after kill -9, say); at stop, those not reaped in time.
     */
    private void deleteSandboxCgroups(String why) {
        if (cgroups == null) {
            return;
        }
        for (String leftover : cgroups.children(directories.instanceName())) {
            cgroups.find(directories.instanceName() + "/" + leftover).ifPresent(group -> {
                LOG.info("Removing sandbox {} {} ({} processes)", leftover, why, group.pids().size());
                group.delete();
            });
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void bindRuntimeAdapter(RuntimeAdapter adapter) {
        for (String name : adapter.runtimeNames()) {
            adapters.put(name, adapter);
        }
        stemCellRuntimes = stemCellRuntimes(adapters);
        LOG.info("Runtimes available: {}", runtimes());
        adapterBound.getAndSet(new CompletableFuture<>()).complete(null);
    }

    synchronized void unbindRuntimeAdapter(RuntimeAdapter adapter) {
        adapters.values().removeIf(a -> a == adapter);
        stemCellRuntimes = stemCellRuntimes(adapters);
        LOG.info("Runtimes available: {}", runtimes());
    }

    /**
     * Groups the runtimes each adapter starts with the same command line (names for one
     * interpreter), each group under its shortest name, the newest of equals ({@code nodejs20}
     * before {@code nodejs12}; {@code python3} before {@code python3.11}).
     */
    static Map<String, String> stemCellRuntimes(Map<String, RuntimeAdapter> adapters) {
        Map<String, List<Object>> starts = new HashMap<>();
        adapters.forEach((runtime, adapter) -> starts.put(runtime, sameStart(runtime, adapter)));
        Map<List<Object>, String> named = new HashMap<>();
        Comparator<String> preferred = Comparator.comparingInt(String::length).thenComparing(Comparator.reverseOrder());
        starts.forEach((runtime, start) -> named.merge(start, runtime, BinaryOperator.minBy(preferred)));
        Map<String, String> shared = new HashMap<>();
        starts.forEach((runtime, start) -> shared.put(runtime, named.get(start)));
        return Map.copyOf(shared);
    }

    /** What makes two runtimes' stem cells interchangeable: the same plugin, starting the same command. */
    private static List<Object> sameStart(String runtime, RuntimeAdapter adapter) {
        try {
            return List.of(adapter, adapter.command(runtime, adapter.bootstrapDirectory()));
        } catch (RuntimeException e) { // the runtime's starts will say why; it shares nothing meanwhile
            return List.of(adapter, runtime);
        }
    }

    @Override
    public Set<String> runtimes() {
        return new TreeSet<>(adapters.keySet());
    }

    @Override
    public String stemCellRuntime(String runtime) {
        return stemCellRuntimes.getOrDefault(runtime, runtime);
    }

    @Override
    public CompletionStage<Sandbox> create(String runtime, int memoryLimitMb) {
        return create(runtime, null, memoryLimitMb, runtimeWaitDeadline());
    }

    @Override
    public CompletionStage<Sandbox> create(FunctionConfiguration function, Path codeDirectory) {
        if (!FunctionDefinition.NETWORK_MODES.contains(function.network())) {
            return CompletableFuture.failedFuture(FaasException.invalid(
                    "Network mode " + function.network() + " is unknown; modes: " + FunctionDefinition.NETWORK_MODES));
        }
        return create(function.runtime(), new ProcessSandbox.MadeFor(function, codeDirectory), function.memorySize(),
                runtimeWaitDeadline());
    }

    private long runtimeWaitDeadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.runtime_wait_millis());
    }

    /**
     * Starts a sandbox with the runtime's adapter, waiting until {@code deadlineNanos} for one to be bound.
     *
     * @param madeFor the function the sandbox is made for; {@code null} for a stem cell
     * @param memoryLimitMb the memory limit it starts with
     */
    private CompletionStage<Sandbox> create(String runtime, ProcessSandbox.MadeFor madeFor, int memoryLimitMb, long deadlineNanos) {
        CompletableFuture<Void> nextBind = adapterBound.get(); // taken before the lookup: no bind is missed
        RuntimeAdapter adapter = adapters.get(runtime);
        if (adapter != null) {
            // making the cgroup and the root and spawning take several ms of system calls: never
            // on the thread that asked, which may be an HTTP or the sandbox-channel thread
            return starter.supply(() -> start(runtime, madeFor, memoryLimitMb, adapter)).thenCompose(started -> started);
        }
        long leftNanos = deadlineNanos - System.nanoTime();
        if (closed || leftNanos <= 0) {
            return CompletableFuture.failedFuture(FaasException.invalid(
                    "Runtime " + runtime + " is not installed; installed runtimes: " + runtimes()));
        }
        // the continuation runs off the binding thread: starting a process must not hold up SCR
        return nextBind.copy().completeOnTimeout(null, leftNanos, TimeUnit.NANOSECONDS)
                .thenComposeAsync(bound -> create(runtime, madeFor, memoryLimitMb, deadlineNanos));
    }

    private CompletionStage<Sandbox> start(String runtime, ProcessSandbox.MadeFor madeFor, int memoryLimitMb, RuntimeAdapter adapter) {
        SandboxSlot slot;
        try {
            slot = slot();
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(new FaasException(ErrorCode.SERVICE,
                    "Cannot prepare a " + runtime + " sandbox: " + e.getMessage(), e));
        }
        ProcessSandbox sandbox = new ProcessSandbox(slot.sandboxId(), runtime, directories, json, live::remove, layout, launcher,
                slot.cgroup(), logs, madeFor, memoryLimitMb, bridge, starter);
        live.add(sandbox);
        CompletableFuture<Sandbox> started = sandbox.start(adapter, slot.listener(), slot.systemEntries(), reactor,
                config.max_frame_bytes(), config.start_timeout_millis());
        makeSpareSlot(); // the runtime is starting by now: this no longer delays it
        return started;
    }

    /**
     * A new sandbox's id, its cgroup ({@code null} where the host has none), the listener its
     * runtime connects to and the host's system entries it shows (none without isolation).
     */
    private record SandboxSlot(String sandboxId, Cgroup cgroup, RuntimeListener listener, List<MountSpec> systemEntries) {
        void release() {
            listener.close();
            if (cgroup != null) {
                cgroup.delete();
            }
        }
    }

    /**
     * The spare slot, made after the last start, if there is one; else a new one. Its cgroup has
     * the CPU and process limits; each sandbox sets its memory limit once launched.
     */
    private SandboxSlot slot() throws IOException {
        SandboxSlot spare = spareSlot.getAndSet(null);
        return spare != null ? spare : newSlot();
    }

    /**
     * Makes the next sandbox's slot ahead, with its CPU and process limits: its cgroup costs a start
     * 1-2 ms of cgroupfs writes (a directory and limits in each controller), its listener up to 1 ms,
     * looking up the host's system entries 0.3 ms.
     */
    private void makeSpareSlot() {
        if (closed || spareSlot.get() != null) {
            return;
        }
        try {
            SandboxSlot made = newSlot();
            if (!spareSlot.compareAndSet(null, made)) {
                made.release();
            } else if (closed && spareSlot.compareAndSet(made, null)) { // deactivate may have looked before it was set
                made.release();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("No spare slot made ahead; the next sandbox makes its own", e);
        }
    }

    private SandboxSlot newSlot() throws IOException {
        List<MountSpec> systemEntries = layout.isolated() ? SandboxLayout.systemEntries() : List.of();
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        Cgroup cgroup = cgroups == null ? null : cgroups.create(directories.instanceName() + "/" + id);
        try {
            if (cgroup != null) {
                cgroup.limitCpu(config.cpu_millicores());
                cgroup.limitPids(config.pids_max());
            }
            return new SandboxSlot(id, cgroup, listen(id), systemEntries);
        } catch (IOException | RuntimeException e) {
            if (cgroup != null) {
                cgroup.delete();
            }
            throw e;
        }
    }

    /** The socket a sandbox's runtime connects to; an isolated runtime's user may connect to it. */
    private RuntimeListener listen(String sandboxId) throws IOException {
        RuntimeListener listener = new RuntimeListener(reactor, directories.socket(sandboxId));
        try {
            if (layout.isolated()) {
                Files.setAttribute(listener.socketPath(), "unix:uid", layout.uid());
            }
            return listener;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        closed = true;
        adapterBound.get().complete(null);
        for (ProcessSandbox sandbox : live.toArray(ProcessSandbox[]::new)) {
            sandbox.destroy();
        }
        starter.close();
        reactor.close();
        SandboxSlot spare = spareSlot.getAndSet(null);
        if (spare != null) {
            spare.release();
        }
        removeInstanceCgroup();
    }

    /**
     * Removes this engine's parent cgroup once its sandboxes are reaped (each removes its own
     * group then; what is left after a while, such as hundreds of sandboxes stopping at once, is
     * removed here), so that stopped engines, tests among them, leave no groups behind.
     */
    private void removeInstanceCgroup() throws InterruptedException {
        if (cgroups == null) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAP_WAIT_MILLIS);
        while (!live.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        try {
            deleteSandboxCgroups("not reaped when the engine stopped");
            cgroups.find(directories.instanceName()).ifPresent(Cgroup::delete);
        } catch (RuntimeException e) {
            LOG.info("Leaving cgroup {} for the next start: {}", directories.instanceName(), e.getMessage());
        }
    }
}
