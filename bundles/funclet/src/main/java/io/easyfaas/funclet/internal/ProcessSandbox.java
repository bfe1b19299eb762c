package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.kernel.BridgeNetwork;
import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.ExitStatus;
import io.easyfaas.api.kernel.Isolation;
import io.easyfaas.api.kernel.LaunchSpec;
import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.api.kernel.LaunchedProcess;
import io.easyfaas.api.kernel.MountSpec;
import io.easyfaas.api.kernel.ProcessLauncher;
import io.easyfaas.api.runtime.RuntimeAdapter;
import io.easyfaas.api.runtime.RuntimeProtocol;
import io.easyfaas.api.sandbox.Sandbox;
import io.easyfaas.api.sandbox.SandboxExitedException;

/**
 * A runtime started by the kernel bundle's launcher with a clean environment, in its own
 * namespaces, root and cgroup where the host allows it, talking over its own Unix socket. Its
 * memory limit is set once it is launched: a stem cell's, then the function's when the stem cell
 * gets the function's code attached at warmup; a sandbox made for one function starts with its
 * code and limit, and is sent its init as soon as the runtime connects.
 */
final class ProcessSandbox implements Sandbox {
    /** Time the engine gives a runtime that hung up to report its exit status. */
    private static final long EXIT_STATUS_WAIT_MILLIS = 200;
    private static final String INIT_ID = "init";
    private static final long MEGABYTE = 1024 * 1024;
    private static final long PEAK_REUSE_NANOS = 1_000_000;
    private static final Logger LOG = LoggerFactory.getLogger(ProcessSandbox.class);

    private final String id;
    private final String runtime;
    private final SandboxDirectories directories;
    private final ObjectMapper json;
    private final Consumer<ProcessSandbox> onGone;
    private final SandboxLayout layout;
    private final ProcessLauncher launcher;
    private final Cgroup cgroup;
    /** The function this sandbox was made for; {@code null} for a stem cell. */
    private final MadeFor madeFor;
    /** Whether this sandbox shares the host's network namespace (network mode host). */
    private final boolean hostNetwork;
    private final BridgeNetwork bridge;
    /** Runs the blocking parts of preparing the sandbox for a function. */
    private final SandboxStarter starter;
    private volatile BridgeNetwork.BridgeLease bridgeLease;
    private final FunctionLogStore logs;
    /** Logs of the calls in flight, by request id. */
    private final Map<String, CallLog> callLogs = new ConcurrentHashMap<>();
    private volatile PeakReading lastPeak;
    private volatile FunctionConfiguration function;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private volatile LaunchedProcess process;
    private volatile int memoryLimitMegabytes;
    private volatile RuntimeListener listener;
    private volatile RuntimeConnection connection;
    /**
     * Done once the init is on its way to the runtime: on connecting for a sandbox made for a
     * function, after warmup for a stem cell. Calls made before wait for it to go out behind it.
     */
    private final CompletableFuture<Void> initSent = new CompletableFuture<>();
    /** The runtime's answer to the init; completed before any call that follows the init can be answered. */
    private final CompletableFuture<InvocationResult> initAnswer = new CompletableFuture<>();
    /** Whether the bootstrap's hello said it answers pings (runtime protocol 1.2). */
    private volatile boolean answersPings;

    /** A function and its code on the host, for a sandbox made for it alone. */
    record MadeFor(FunctionConfiguration function, Path codeDirectory) {
    }

    /**
     * @param cgroup the sandbox's own control group, or {@code null} where the host has none
     * @param madeFor the function the sandbox is made for, or {@code null} for a stem cell
     * @param memoryLimitMb the memory limit it starts with: a stem cell's, or the function's
     */
    ProcessSandbox(String id, String runtime, SandboxDirectories directories, ObjectMapper json,
            Consumer<ProcessSandbox> onGone, SandboxLayout layout, ProcessLauncher launcher, Cgroup cgroup, FunctionLogStore logs,
            MadeFor madeFor, int memoryLimitMb, BridgeNetwork bridge, SandboxStarter starter) {
        this.madeFor = madeFor;
        this.memoryLimitMegabytes = memoryLimitMb;
        this.hostNetwork = madeFor != null && FunctionDefinition.NETWORK_HOST.equals(madeFor.function().network());
        this.starter = starter;
        this.bridge = bridge;
        this.id = id;
        this.logs = logs;
        this.runtime = runtime;
        this.directories = directories;
        this.json = json;
        this.onGone = onGone;
        this.layout = layout;
        this.launcher = launcher;
        this.cgroup = cgroup;
    }

    /**
     * Starts the runtime, which connects to {@code listener}, and completes once its bootstrap
     * has said hello; fails (and cleans up) if it exits or stays silent for {@code startTimeoutMillis}.
     *
     * @param systemEntries the host's system entries the sandbox shows ({@link SandboxLayout#systemEntries()})
     */
    CompletableFuture<Sandbox> start(RuntimeAdapter adapter, RuntimeListener listener, List<MountSpec> systemEntries,
            ChannelReactor reactor, int maxFrameBytes, long startTimeoutMillis) {
        CompletableFuture<Sandbox> ready = new CompletableFuture<>();
        this.listener = listener;
        try {
            Path work = directories.work(id);
            if (!layout.isolated()) { // an isolated runtime has its own /tmp as home and work directory
                Files.createDirectories(work.resolve("tmp"));
            }
            List<String> command = adapter.command(runtime, layout.bootstrapDirectory(adapter.bootstrapDirectory()));
            // a runtime handed its connection (made by the launcher before it starts) sees no socket
            boolean handed = adapter.takesConnectionDescriptor();
            Path shownSocket = handed ? null : listener.socketPath();
            Isolation isolation = null;
            if (layout.isolated()) {
                isolation = layout.isolation(id, systemEntries, Path.of(command.get(0)), adapter.bootstrapDirectory(),
                        shownSocket, hostNetwork, madeFor == null ? null : madeFor.codeDirectory());
            }
            process = launcher.launch(new LaunchSpec(command, layout.environment(id, work, shownSocket),
                    layout.workingDirectory(work), directories.logs().resolve(id + ".log"),
                    cgroup, isolation, handed ? listener.socketPath() : null));
            // set once the runtime started, off the launch's path: the bootstrap runs no function
            // code before its init
            limitMemory(memoryLimitMegabytes);
            if (madeFor != null) {
                connectNetwork(madeFor.function());
                logs.open(madeFor.function().functionName()); // while the runtime starts
            }
        } catch (FaasException e) {
            destroy();
            ready.completeExceptionally(e);
            return ready;
        } catch (IOException | RuntimeException e) {
            destroy();
            ready.completeExceptionally(new FaasException(ErrorCode.SERVICE,
                    "Cannot start the " + runtime + " runtime: " + e.getMessage(), e));
            return ready;
        }
        process.exited().thenAccept(status -> {
            ExitReason reason = exitReason(status);
            listener.failed(new IOException(reason.message()));
            close(reason);
        });
        // only now that the launch has returned, and the runtime's root is sealed: the init
        // brings the function's code, which must never run where the host is still in sight
        listener.accepted()
                .thenCompose(channel -> {
                    RuntimeConnection connected = connect(channel, reactor, maxFrameBytes);
                    if (madeFor != null) {
                        // the bootstrap reads it right after its hello, without waiting for a round trip
                        load(madeFor.function(), madeFor.codeDirectory());
                    }
                    return connected.hello();
                })
                .orTimeout(startTimeoutMillis, TimeUnit.MILLISECONDS)
                .whenComplete((hello, failure) -> {
                    if (failure == null) {
                        answersPings = hello.path("ping").asBoolean(false);
                        ready.complete(this);
                        return;
                    }
                    destroy();
                    Throwable cause = unwrap(failure);
                    String why = cause instanceof TimeoutException
                            ? "did not connect within " + startTimeoutMillis + " ms"
                            : cause.getMessage();
                    ready.completeExceptionally(new FaasException(ErrorCode.SERVICE,
                            "The " + runtime + " runtime failed to start: " + why + " (output in " + directories.logs().resolve(id + ".log") + ")"));
                });
        return ready;
    }

    /** Why the runtime ended: the kernel's OOM killer is told apart from a plain exit. */
    private ExitReason exitReason(ExitStatus status) {
        if (cgroup != null && cgroup.usage().oomKills() > 0) {
            return new ExitReason(SandboxExitedException.OUT_OF_MEMORY, "Runtime exited: the function used more than its memory limit of "
                    + memoryLimitMegabytes + " MB and was stopped (" + status + ")");
        }
        return new ExitReason(SandboxExitedException.EXIT_ERROR, "Runtime exited with error: " + status);
    }

    /** The error type and message calls in flight fail with when the runtime ends. */
    record ExitReason(String errorType, String message) {
    }

    private RuntimeConnection connect(SocketChannel channel, ChannelReactor reactor, int maxFrameBytes) {
        try {
            connection = new RuntimeConnection(reactor, channel, json, maxFrameBytes, this::peerClosed, this::output);
            return connection;
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /** The runtime hung up: wait briefly for its exit status so the caller learns why. */
    private void peerClosed() {
        process.exited().toCompletableFuture()
                .orTimeout(EXIT_STATUS_WAIT_MILLIS, TimeUnit.MILLISECONDS)
                .whenComplete((p, timeout) -> {
                    if (timeout != null) {
                        destroy();
                    }
                });
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String runtime() {
        return runtime;
    }

    /** Output the runtime sent for a call: into the call's log, or the function's if it ended. */
    private void output(String requestId, byte[] bytes) {
        CallLog callLog = callLogs.get(requestId);
        FunctionConfiguration current = function;
        if (callLog != null) {
            callLog.output(bytes);
        } else if (current != null) {
            CallLog.late(logs, current.functionName(), requestId, bytes);
        }
    }

    /**
     * Peak memory the runtime has used so far, in bytes, for the REPORT line: the cgroup's peak,
     * or a plain process's VmHWM. Calls of one sandbox that end within the same millisecond (its
     * calls overlap when its PodConcurrentQuota allows) share one read of it.
     */
    long maxMemoryUsedBytes() {
        long now = System.nanoTime();
        PeakReading last = lastPeak;
        if (last != null && now - last.readNanos() < PEAK_REUSE_NANOS) {
            return last.bytes();
        }
        long bytes;
        if (cgroup != null) {
            try {
                bytes = cgroup.memoryPeakBytes();
            } catch (KernelException e) {
                return 0; // the sandbox died and its cgroup is gone: the REPORT line must not fail the call
            }
        } else {
            LaunchedProcess running = process;
            bytes = running == null ? 0 : ProcessMemory.peakResidentBytes(running.pid());
        }
        lastPeak = new PeakReading(now, bytes);
        return bytes;
    }

    private record PeakReading(long readNanos, long bytes) {
    }

    /**
     * Prepares the sandbox on the start executor (cgroup writes, attaching the code, the bridge:
     * system calls of a millisecond or more, which must not hold up the HTTP or sandbox-channel
     * threads a cold start is planned on), then loads the function.
     */
    @Override
    public CompletionStage<InvocationResult> initialize(FunctionConfiguration function, Path codeDirectory) {
        if (madeFor == null) {
            this.function = function; // calls made before the init is sent log for it
            starter.supply(() -> prepareFor(function, codeDirectory)).whenComplete((prepared, failure) -> {
                if (failure == null) {
                    load(function, codeDirectory);
                } else {
                    initFailed(unwrap(failure));
                }
            });
        } else if (!madeFor.equals(new MadeFor(function, codeDirectory))) {
            return CompletableFuture.failedFuture(new FaasException(ErrorCode.SERVICE, "Sandbox " + id + " was made for "
                    + madeFor.function().functionName() + " and cannot load " + function.functionName()));
        }
        return initAnswer.copy();
    }

    /** Gives the sandbox the function's memory limit, code and network. */
    private Void prepareFor(FunctionConfiguration function, Path codeDirectory) {
        try {
            limitMemory(function.memorySize());
            if (layout.isolated()) {
                process.attach(codeDirectory, SandboxLayout.TASK_DIRECTORY, true);
            }
            connectNetwork(function);
            logs.open(function.functionName());
            return null;
        } catch (FaasException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new FaasException(ErrorCode.SERVICE,
                    "Cannot prepare sandbox " + id + " for " + function.functionName() + ": " + e.getMessage(), e);
        }
    }

    /** Sends the init; its answer completes {@link #initAnswer} ahead of any call's, as it comes first. */
    private void load(FunctionConfiguration function, Path codeDirectory) {
        this.function = function;
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("type", "init");
        header.put("id", INIT_ID);
        header.put("handler", function.handler());
        header.put("codeDirectory", layout.taskDirectory(codeDirectory).toString());
        header.put("functionName", function.functionName());
        header.put("functionVersion", function.version());
        header.put("memoryLimitMB", function.memorySize());
        header.put("timeoutMillis", function.timeout() * 1000L);
        header.put("environment", function.environment().variables());
        call(INIT_ID, header, null).whenComplete((answer, failure) -> {
            if (failure == null) {
                initAnswer.complete(answer);
            } else {
                initAnswer.completeExceptionally(failure);
            }
        });
        initSent.complete(null);
    }

    @Override
    public CompletionStage<InvocationResult> invoke(String requestId, byte[] event, long deadlineEpochMillis) {
        FunctionConfiguration current = function;
        if (current == null) { // never initialised: the runtime says so
            return call(requestId, new InvokeHeader("invoke", requestId, deadlineEpochMillis), event);
        }
        if (!initSent.isDone() || initSent.isCompletedExceptionally()) {
            // given to its call while the function loads: it goes out right behind the init, or
            // fails as the init did
            return initSent.thenCompose(sent -> invoke(requestId, event, deadlineEpochMillis));
        }
        CallLog callLog = CallLog.start(logs, current.functionName(), current.version(), requestId);
        if (callLogs.putIfAbsent(requestId, callLog) != null) {
            throw FaasException.invalid("Request id " + requestId + " is already in use by a call in flight");
        }
        long started = System.nanoTime();
        return call(requestId, new InvokeHeader("invoke", requestId, deadlineEpochMillis), event)
                .whenComplete((result, failure) -> callLogs.remove(requestId))
                .thenApply(result -> result.withLog(
                        callLog.finish(result.durationNanos(), current.memorySize(), maxMemoryUsedBytes())))
                .whenComplete((result, failure) -> {
                    if (failure != null) {
                        callLog.finish(System.nanoTime() - started, current.memorySize(), maxMemoryUsedBytes());
                    }
                });
    }

    /** A bootstrap that does not offer pings is not asked; a dead sandbox's ping fails as any call to it. */
    @Override
    public CompletionStage<Void> ping() {
        if (answersPings || !isAlive()) {
            // random, so that no client's request id in flight can take it
            String id = "ping-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
            return call(id, new PingHeader(RuntimeProtocol.PING_TYPE, id), null).thenApply(answer -> null);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** A ping's header (runtime protocol 1.2). */
    record PingHeader(String type, String id) {
    }

    /** The invoke header, as a record so Jackson writes it without a map per call. */
    record InvokeHeader(String type, String id, long deadline) {
    }

    private CompletionStage<InvocationResult> call(String callId, Object header, byte[] payload) {
        RuntimeConnection current = connection;
        if (current == null) {
            return CompletableFuture.failedFuture(new SandboxExitedException("sandbox " + id + " is not running"));
        }
        long started = System.nanoTime();
        return current.call(callId, header, payload).thenApply(reply -> result(reply, System.nanoTime() - started));
    }

    /** Forgets a call the caller gave up on (it timed out; the sandbox is destroyed next). */
    void abandon(String requestId) {
        RuntimeConnection current = connection;
        if (current != null) {
            current.abandon(requestId);
        }
    }

    private InvocationResult result(RuntimeConnection.Reply reply, long durationNanos) {
        if (!reply.isError()) {
            return new InvocationResult(reply.payload(), null, durationNanos);
        }
        String errorType = "Runtime.Unknown";
        try {
            JsonNode error = json.readTree(reply.payload());
            errorType = error.path("errorType").asText(errorType);
        } catch (IOException e) {
            // the payload is passed on as it came; the type stays unknown
        }
        return new InvocationResult(reply.payload(), errorType, durationNanos);
    }

    @Override
    public CompletionStage<Void> exited() {
        return exited;
    }

    @Override
    public boolean isAlive() {
        return !exited.isDone();
    }

    @Override
    public long pid() {
        LaunchedProcess running = process;
        return running == null ? -1 : running.pid();
    }

    @Override
    public void destroy() {
        close(new ExitReason(SandboxExitedException.EXIT_ERROR, "sandbox " + id + " was destroyed"));
    }

    private void close(ExitReason reason) {
        LaunchedProcess running = process;
        if (running != null) {
            running.kill();
        }
        RuntimeListener openListener = listener;
        if (openListener != null) {
            openListener.close();
        }
        RuntimeConnection open = connection;
        if (open != null) {
            open.close(reason.errorType(), reason.message());
        }
        initFailed(new SandboxExitedException(reason.errorType(), reason.message()));
        if (exited.complete(null)) {
            if (running == null) {
                release();
            } else {
                // the cgroup can go once its last process is reaped
                running.exited().whenComplete((status, failure) -> release());
            }
        }
    }

    /** Fails the init's answer and the calls waiting to follow the init, where they are not settled yet. */
    private void initFailed(Throwable cause) {
        initAnswer.completeExceptionally(cause);
        initSent.completeExceptionally(cause);
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private void limitMemory(int megabytes) {
        memoryLimitMegabytes = megabytes;
        if (cgroup != null) {
            cgroup.limitMemory(megabytes * MEGABYTE);
        }
    }

    /** Gives the sandbox the function's network: its namespace is there from the start, bridged here if asked. */
    private void connectNetwork(FunctionConfiguration function) {
        String network = function.network();
        if (hostNetwork != FunctionDefinition.NETWORK_HOST.equals(network)) {
            throw new IllegalStateException("sandbox " + id + " was made for " + (hostNetwork ? "host" : "its own")
                    + " network, not for network mode " + network);
        }
        if (FunctionDefinition.NETWORK_BRIDGE.equals(network)) {
            if (!layout.isolated() || bridge == null) {
                throw FaasException.invalid("Function " + function.functionName() + " asks for network mode bridge, which this "
                        + "host cannot give: it needs isolated sandboxes (root) and nftables; GET /v1/node tells what it allows");
            }
            bridgeLease = bridge.connect(process.pid());
        }
    }

    private void release() {
        BridgeNetwork.BridgeLease lease = bridgeLease;
        if (lease != null) {
            lease.close();
        }
        if (cgroup != null) {
            try {
                cgroup.delete();
            } catch (RuntimeException e) {
                LOG.warn("Could not remove the cgroup of sandbox {}; it goes at the next start", id, e);
            }
        }
        directories.deleteWork(id);
        onGone.accept(this);
    }
}
