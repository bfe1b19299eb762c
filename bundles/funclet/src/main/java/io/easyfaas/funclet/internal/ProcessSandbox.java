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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.runtime.RuntimeProtocol;
import io.easyfaas.api.sandbox.Sandbox;
import io.easyfaas.api.sandbox.SandboxExitedException;

/**
 * A runtime started as a child process with a clean environment, talking over its own Unix
 * socket. Kernel isolation (namespaces, cgroups, mounts) wraps this process in a later step;
 * everything the controller sees stays the same.
 */
final class ProcessSandbox implements Sandbox {
    /** Time the engine gives a runtime that hung up to report its exit status. */
    private static final long EXIT_STATUS_WAIT_MILLIS = 200;
    private static final String INIT_ID = "init";

    private final String id;
    private final String runtime;
    private final SandboxDirectories directories;
    private final ObjectMapper json;
    private final Consumer<ProcessSandbox> onGone;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    private volatile Process process;
    private volatile RuntimeListener listener;
    private volatile RuntimeConnection connection;

    ProcessSandbox(String id, String runtime, SandboxDirectories directories, ObjectMapper json,
            Consumer<ProcessSandbox> onGone) {
        this.id = id;
        this.runtime = runtime;
        this.directories = directories;
        this.json = json;
        this.onGone = onGone;
    }

    /**
     * Starts the runtime and completes once its bootstrap has connected and said hello; fails
     * (and cleans up) if it exits or stays silent for {@code startTimeoutMillis}.
     */
    CompletableFuture<Sandbox> start(List<String> command, ChannelReactor reactor, int maxFrameBytes, long startTimeoutMillis) {
        CompletableFuture<Sandbox> ready = new CompletableFuture<>();
        try {
            Path workDirectory = Files.createDirectories(directories.work(id));
            Files.createDirectories(workDirectory.resolve("tmp"));
            listener = new RuntimeListener(reactor, directories.socket(id));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDirectory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(Files.createDirectories(directories.logs()).resolve(id + ".log").toFile()));
            Map<String, String> environment = builder.environment();
            environment.clear();
            environment.put("PATH", "/usr/local/bin:/usr/bin:/bin");
            environment.put("LANG", "C.UTF-8");
            environment.put("HOME", workDirectory.toString());
            environment.put("TMPDIR", workDirectory.resolve("tmp").toString());
            environment.put(RuntimeProtocol.SOCKET_ENV, listener.socketPath().toString());
            environment.put(RuntimeProtocol.SANDBOX_ID_ENV, id);
            process = builder.start();
        } catch (IOException e) {
            destroy();
            ready.completeExceptionally(new FaasException(ErrorCode.SERVICE,
                    "Cannot start the " + runtime + " runtime: " + e.getMessage(), e));
            return ready;
        }
        process.onExit().thenRun(() -> {
            String reason = "Runtime exited with error: exit status " + process.exitValue();
            listener.failed(new IOException(reason));
            close(reason);
        });
        listener.accepted()
                .thenCompose(channel -> connect(channel, reactor, maxFrameBytes).hello())
                .orTimeout(startTimeoutMillis, TimeUnit.MILLISECONDS)
                .whenComplete((hello, failure) -> {
                    if (failure == null) {
                        ready.complete(this);
                        return;
                    }
                    destroy();
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    String why = cause instanceof TimeoutException
                            ? "did not connect within " + startTimeoutMillis + " ms"
                            : cause.getMessage();
                    ready.completeExceptionally(new FaasException(ErrorCode.SERVICE,
                            "The " + runtime + " runtime failed to start: " + why + " (output in " + directories.logs().resolve(id + ".log") + ")"));
                });
        return ready;
    }

    private RuntimeConnection connect(SocketChannel channel, ChannelReactor reactor, int maxFrameBytes) {
        try {
            connection = new RuntimeConnection(reactor, channel, json, maxFrameBytes, this::peerClosed);
            return connection;
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /** The runtime hung up: wait briefly for its exit status so the caller learns why. */
    private void peerClosed() {
        process.onExit()
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

    @Override
    public CompletionStage<InvocationResult> initialize(FunctionConfiguration function, Path codeDirectory) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("type", "init");
        header.put("id", INIT_ID);
        header.put("handler", function.handler());
        header.put("codeDirectory", codeDirectory.toString());
        header.put("functionName", function.functionName());
        header.put("functionVersion", function.version());
        header.put("memoryLimitMB", function.memorySize());
        header.put("timeoutMillis", function.timeout() * 1000L);
        header.put("environment", function.environment().variables());
        return call(INIT_ID, header, null);
    }

    @Override
    public CompletionStage<InvocationResult> invoke(String requestId, byte[] event, long deadlineEpochMillis) {
        return call(requestId, new InvokeHeader("invoke", requestId, deadlineEpochMillis), event);
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
        Process running = process;
        return running == null ? -1 : running.pid();
    }

    @Override
    public void destroy() {
        close("sandbox " + id + " was destroyed");
    }

    private void close(String reason) {
        Process running = process;
        if (running != null) {
            running.descendants().forEach(ProcessHandle::destroyForcibly);
            running.destroyForcibly();
        }
        RuntimeListener openListener = listener;
        if (openListener != null) {
            openListener.close();
        }
        RuntimeConnection open = connection;
        if (open != null) {
            open.close(reason);
        }
        if (exited.complete(null)) {
            directories.deleteWork(id);
            onGone.accept(this);
        }
    }
}
