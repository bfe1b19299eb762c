package io.easyfaas.api.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.easyfaas.api.runtime.RuntimeFrame;
import io.easyfaas.api.runtime.RuntimeProtocol;

/**
 * Runs a real runtime bootstrap as the engine would, for the runtime plugins' tests: binds a Unix
 * socket, starts the interpreter with a cleared environment, accepts its connection and speaks
 * {@link RuntimeProtocol} with it using {@link RuntimeFrame}.
 *
 * <p>Replies are read by a background thread into a queue, so several requests may be sent
 * before any reply is read; {@link #receive()} waits at most {@link #TIMEOUT}. {@code log} frames
 * are not replies: they are collected per request id ({@link #log(String)}), and every frame's
 * type and id is kept in arrival order ({@link #arrivals()}).
 */
public final class RuntimeHarness implements AutoCloseable {

    /** How long to wait for the connection or a reply before failing. */
    public static final Duration TIMEOUT = Duration.ofSeconds(15);

    private static final int MAX_FRAME_BYTES = 64 << 20;

    private final Path dir;
    private final Process process;
    private final SocketChannel channel;
    private final ServerSocketChannel server;
    private final LinkedBlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    private final Map<String, StringBuilder> logs = new ConcurrentHashMap<>();
    private final List<String> arrivals = new ArrayList<>();
    private final Duration timeout = TIMEOUT;
    private final Frame hello;
    private final long helloNanos;

    /** A frame as received: the header parsed, the payload as bytes. */
    public record Frame(Map<String, Object> header, byte[] payload) {

        public String type() {
            return (String) header.get("type");
        }

        public String id() {
            return (String) header.get("id");
        }

        public boolean error() {
            return Boolean.TRUE.equals(header.get("error"));
        }

        public String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The payload parsed as JSON. */
        public Object payloadJson() {
            return Json.parse(payloadText());
        }

        /** The payload parsed as a JSON object, e.g. an error's errorType and errorMessage. */
        public Map<String, Object> payloadObject() {
            return Json.object(payloadText());
        }

        @Override
        public String toString() {
            String p = payloadText();
            return header + " " + (p.length() > 500 ? p.substring(0, 500) + "..." : p);
        }
    }

    private RuntimeHarness(Path dir, Process process, ServerSocketChannel server, SocketChannel channel,
            long startNanos) throws IOException {
        this.dir = dir;
        this.process = process;
        this.server = server;
        this.channel = channel;
        Thread reader = new Thread(this::readLoop, "runtime-harness-reader-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        this.hello = receive();
        this.helloNanos = System.nanoTime() - startNanos;
        if (!"hello".equals(hello.type())) {
            throw new IOException("expected hello, got " + hello);
        }
    }

    /**
     * Connects to {@link RuntimeProtocol#SOCKET_ENV}, gives the connection as descriptor 3
     * ({@link RuntimeProtocol#DESCRIPTOR_ENV}) and runs the rest of its arguments in its place,
     * as the engine's launcher starts a runtime that takes its connection.
     */
    private static final String HAND_CONNECTION = String.join("\n",
            "import os, socket, sys",
            "s = socket.socket(socket.AF_UNIX)",
            "s.connect(os.environ.pop('" + RuntimeProtocol.SOCKET_ENV + "'))",
            "fd = s.detach()",
            "if fd != 3:",
            "    os.dup2(fd, 3)",
            "os.set_inheritable(3, True)",
            "os.environ['" + RuntimeProtocol.DESCRIPTOR_ENV + "'] = '3'",
            "os.execv(sys.argv[1], sys.argv[1:])");

    /**
     * Starts {@code command} with an environment of only {@code PATH} and
     * {@link RuntimeProtocol#SOCKET_ENV}, waits for it to connect and reads its hello frame.
     */
    public static RuntimeHarness start(List<String> command) throws IOException {
        return start(command, false);
    }

    /**
     * As {@link #start(List)}; with {@code handConnection}, the process gets its connection made
     * (as descriptor 3, through a short {@code python3} step) instead of a socket to connect to.
     */
    public static RuntimeHarness start(List<String> command, boolean handConnection) throws IOException {
        // Unix socket paths are limited to ~100 bytes; java.io.tmpdir may be long
        Path tmpRoot = Files.isDirectory(Path.of("/tmp")) ? Path.of("/tmp") : Path.of(System.getProperty("java.io.tmpdir"));
        Path dir = Files.createTempDirectory(tmpRoot, "efh");
        Path socket = dir.resolve("rt.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Process process = null;
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            List<String> started = command;
            if (handConnection) {
                started = new ArrayList<>(List.of("/usr/bin/python3", "-I", "-S", "-c", HAND_CONNECTION));
                started.addAll(command);
            }
            ProcessBuilder pb = new ProcessBuilder(started);
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
            pb.environment().put(RuntimeProtocol.SOCKET_ENV, socket.toString());
            pb.environment().put(RuntimeProtocol.SANDBOX_ID_ENV, dir.getFileName().toString());
            pb.redirectOutput(dir.resolve("stdout.log").toFile());
            pb.redirectError(dir.resolve("stderr.log").toFile());
            long startNanos = System.nanoTime();
            process = pb.start();
            CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            SocketChannel channel;
            try {
                channel = accepted.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new IOException("runtime did not connect: " + describe(process, dir), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            return new RuntimeHarness(dir, process, server, channel, startNanos);
        } catch (IOException | RuntimeException e) {
            if (process != null) {
                process.destroyForcibly();
            }
            server.close();
            throw e;
        }
    }

    /** The hello frame the runtime sent first. */
    public Frame hello() {
        return hello;
    }

    /** Time from starting the process to having read its hello frame. */
    public Duration timeToHello() {
        return Duration.ofNanos(helloNanos);
    }

    public Process process() {
        return process;
    }

    /**
     * Sends {@code init} for function {@code f}, version {@code $LATEST}, 128 MB, and waits for
     * the reply.
     */
    public Frame init(String handler, Path codeDirectory, Map<String, String> environment, long timeoutMillis)
            throws IOException {
        send("{\"type\":\"init\",\"id\":\"init\",\"handler\":" + Json.quote(handler)
                + ",\"codeDirectory\":" + Json.quote(codeDirectory.toAbsolutePath().toString())
                + ",\"functionName\":\"f\",\"functionVersion\":\"$LATEST\",\"memoryLimitMB\":128"
                + ",\"timeoutMillis\":" + timeoutMillis
                + ",\"environment\":" + Json.stringMap(environment) + "}", null);
        return receive();
    }

    /** {@link #init(String, Path, Map, long)} with no environment and a 3 s timeout. */
    public Frame init(String handler, Path codeDirectory) throws IOException {
        return init(handler, codeDirectory, Map.of(), 3000);
    }

    /** Sends an invoke with a deadline 3 s from now and waits for its reply. */
    public Frame invoke(String id, String eventJson) throws IOException {
        sendInvoke(id, eventJson.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() + 3000);
        return receive();
    }

    /** Sends an invoke without waiting for its reply. */
    public void sendInvoke(String id, byte[] event, long deadlineEpochMillis) throws IOException {
        send("{\"type\":\"invoke\",\"id\":" + Json.quote(id) + ",\"deadline\":" + deadlineEpochMillis + "}", event);
    }

    /** Sends one frame. */
    public synchronized void send(String header, byte[] payload) throws IOException {
        ByteBuffer[] buffers = new RuntimeFrame(header.getBytes(StandardCharsets.UTF_8), payload).encode();
        long remaining = 0;
        for (ByteBuffer b : buffers) {
            remaining += b.remaining();
        }
        while (remaining > 0) {
            remaining -= channel.write(buffers);
        }
    }

    /** The next frame from the runtime, waiting at most {@link #TIMEOUT}. */
    public Frame receive() throws IOException {
        Object next;
        try {
            next = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (next == null) {
            throw new IOException("no frame from the runtime within " + timeout + ": " + describe(process, dir));
        }
        if (next instanceof IOException e) {
            replies.add(e); // every later receive fails the same way
            throw new IOException(e.getMessage() + ": " + describe(process, dir), e);
        }
        return (Frame) next;
    }

    /** The text of every {@code log} frame received so far for {@code requestId}, in order. */
    public String log(String requestId) {
        StringBuilder text = logs.get(requestId);
        if (text == null) {
            return "";
        }
        synchronized (text) {
            return text.toString();
        }
    }

    /** Every frame received so far as {@code "<type> <id>"}, in arrival order. */
    public List<String> arrivals() {
        synchronized (arrivals) {
            return List.copyOf(arrivals);
        }
    }

    /** Closes the engine's end of the connection, as an engine going away would; the process is left alone. */
    public void disconnect() throws IOException {
        channel.close();
    }

    /** What the runtime wrote to stdout so far. */
    public String stdout() {
        return read(dir.resolve("stdout.log"));
    }

    /** What the runtime wrote to stderr so far. */
    public String stderr() {
        return read(dir.resolve("stderr.log"));
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
        server.close();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private void readLoop() {
        RuntimeFrame.Decoder decoder = new RuntimeFrame.Decoder(MAX_FRAME_BYTES);
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
        try {
            while (true) {
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    replies.add(new IOException("runtime closed the connection"));
                    return;
                }
                buffer.flip();
                decoder.feed(buffer, frame -> accept(new Frame(
                        Json.object(new String(frame.header(), StandardCharsets.UTF_8)), frame.payload())));
            }
        } catch (IOException | RuntimeException e) {
            replies.add(e instanceof IOException io ? io : new IOException(e));
        }
    }

    private void accept(Frame frame) {
        synchronized (arrivals) {
            arrivals.add(frame.type() + " " + frame.id());
        }
        if ("log".equals(frame.type())) {
            StringBuilder text = logs.computeIfAbsent(frame.id(), id -> new StringBuilder());
            synchronized (text) {
                text.append(frame.payloadText());
            }
        } else {
            replies.add(frame);
        }
    }

    private static String describe(Process process, Path dir) {
        String state = process.isAlive() ? "process alive" : "process exited with " + process.exitValue();
        return state + "; stderr: " + read(dir.resolve("stderr.log"));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
