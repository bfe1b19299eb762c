package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.runtime.RuntimeFrame;
import io.easyfaas.api.runtime.RuntimeProtocol;
import io.easyfaas.api.sandbox.SandboxExitedException;

/**
 * The engine's end of one runtime's socket: writes frames, reassembles replies and completes the
 * call each one answers, matched by id. Reads happen on the reactor thread; writes go to the
 * socket from the caller's thread (at the end of its round on an event loop) and only fall back
 * to the reactor when the socket is full.
 */
final class RuntimeConnection implements ChannelReactor.Handler {

    /** A frame from the runtime with its header already parsed. */
    record Reply(JsonNode header, byte[] payload) {
        boolean isError() {
            return header.path("error").asBoolean(false);
        }
    }

    private static final int READ_BUFFER_BYTES = 64 * 1024;

    private final ChannelReactor reactor;
    private final SocketChannel channel;
    private final ObjectMapper json;
    private final RuntimeFrame.Decoder decoder;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final Map<String, CompletableFuture<Reply>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> hello = new CompletableFuture<>();
    private final CompletableFuture<SandboxExitedException> closed = new CompletableFuture<>();
    private final Runnable peerClosed;
    private final BiConsumer<String, byte[]> output;

    /** Buffers not yet written; guarded by itself. */
    private final ArrayDeque<ByteBuffer> unwritten = new ArrayDeque<>();
    private volatile SelectionKey key;

    /**
     * @param peerClosed told when the runtime hangs up, so the owner can find out why and close
     * @param output given each log frame's request id and output, on the reactor thread, before
     *     the result of that call
     */
    RuntimeConnection(ChannelReactor reactor, SocketChannel channel, ObjectMapper json, int maxFrameBytes,
            Runnable peerClosed, BiConsumer<String, byte[]> output) throws IOException {
        this.reactor = reactor;
        this.peerClosed = peerClosed;
        this.output = output;
        this.channel = channel;
        this.json = json;
        this.decoder = new RuntimeFrame.Decoder(maxFrameBytes);
        channel.configureBlocking(false);
        reactor.execute(() -> {
            try {
                key = channel.register(reactor.selector(), SelectionKey.OP_READ, this);
            } catch (IOException e) {
                failed(e);
            }
        });
    }

    /** Completes with the runtime's hello header once it has introduced itself. */
    CompletableFuture<JsonNode> hello() {
        return hello;
    }

    /** Completes with the reason once the connection is gone. */
    CompletableFuture<SandboxExitedException> closed() {
        return closed;
    }

    /** Sends a frame and completes with the runtime's reply to {@code id}. */
    CompletableFuture<Reply> call(String id, Object header, byte[] payload) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        if (pending.putIfAbsent(id, reply) != null) {
            throw FaasException.invalid("Request id " + id + " is already in use by a call in flight");
        }
        if (closed.isDone()) {
            pending.remove(id);
            reply.completeExceptionally(closed.join());
            return reply;
        }
        try {
            send(new RuntimeFrame(json.writeValueAsBytes(header), payload));
        } catch (IOException e) {
            writeFailed(e);
        }
        return reply;
    }

    /** Forgets a call whose answer nobody waits for any more (timed out). */
    void abandon(String id) {
        pending.remove(id);
    }

    /**
     * Sends a frame. Sent on an event loop's thread (one that is itself an {@link Executor}, as
     * Undertow's IO threads are), it is written when the loop has handled the rest of its round,
     * so that the calls which came in together leave in one write: under load the runtime then
     * reads several calls at once (at 32 connections Node's sandbox took 5 µs of CPU a call
     * instead of 7-8, the engine 17 instead of 20). Sent elsewhere, it is written at once. What
     * the socket does not take waits for the reactor.
     */
    private void send(RuntimeFrame frame) throws IOException {
        ByteBuffer[] buffers = frame.encode();
        synchronized (unwritten) {
            boolean flushPending = !unwritten.isEmpty();
            unwritten.addAll(Arrays.asList(buffers));
            if (!flushPending && !flushAtEndOfRound()) {
                writeOrWaitForRoom();
            }
        }
    }

    /** Queues the flush on the calling event loop; false on any other thread. */
    private boolean flushAtEndOfRound() {
        if (!(Thread.currentThread() instanceof Executor eventLoop) || key == null) {
            return false;
        }
        try {
            eventLoop.execute(() -> {
                synchronized (unwritten) {
                    try {
                        writeOrWaitForRoom();
                    } catch (IOException e) {
                        writeFailed(e);
                    }
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false; // the loop is stopping
        }
    }

    private void writeFailed(IOException cause) {
        close("cannot write to the runtime: " + cause.getMessage());
    }

    /** Writes what the socket takes and leaves the rest to the reactor; holds the lock on unwritten. */
    private void writeOrWaitForRoom() throws IOException {
        if (!writeUnwritten() && key != null) {
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            reactor.wakeup();
        }
    }

    /** Writes what the socket takes; true if nothing is left. Holds the lock on unwritten. */
    private boolean writeUnwritten() throws IOException {
        while (!unwritten.isEmpty()) {
            channel.write(unwritten.toArray(ByteBuffer[]::new));
            while (!unwritten.isEmpty() && !unwritten.peek().hasRemaining()) {
                unwritten.poll();
            }
            if (!unwritten.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void ready(SelectionKey readyKey) throws IOException {
        if (readyKey.isWritable()) {
            flush(readyKey);
        }
        if (readyKey.isValid() && readyKey.isReadable()) {
            read();
        }
    }

    private void flush(SelectionKey readyKey) throws IOException {
        synchronized (unwritten) {
            if (writeUnwritten()) {
                readyKey.interestOps(SelectionKey.OP_READ);
            }
        }
    }

    private void read() throws IOException {
        int n;
        while ((n = channel.read(readBuffer)) > 0) {
            readBuffer.flip();
            decoder.feed(readBuffer, this::dispatch);
            readBuffer.clear();
        }
        if (n < 0) {
            key.cancel();
            peerClosed.run();
        }
    }

    private void dispatch(RuntimeFrame frame) {
        JsonNode header;
        try {
            header = json.readTree(frame.header());
        } catch (IOException e) {
            close("the runtime sent a header that is not JSON");
            return;
        }
        String type = header.path("type").asText();
        if (RuntimeProtocol.LOG_TYPE.equals(type)) {
            output.accept(header.path("id").asText(), frame.payload());
        } else if ("hello".equals(type)) {
            hello.complete(header);
        } else if ("result".equals(type)) {
            CompletableFuture<Reply> reply = pending.remove(header.path("id").asText());
            if (reply != null) {
                reply.complete(new Reply(header, frame.payload()));
            }
        }
    }

    /** Closes the socket and fails every call still waiting. Idempotent. */
    void close(String reason) {
        close(SandboxExitedException.EXIT_ERROR, reason);
    }

    /** Closes the socket and fails every call still waiting with {@code errorType}. Idempotent. */
    void close(String errorType, String reason) {
        SandboxExitedException failure = new SandboxExitedException(errorType, reason);
        if (!closed.complete(failure)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // already gone
        }
        hello.completeExceptionally(failure);
        pending.values().forEach(call -> call.completeExceptionally(failure));
        pending.clear();
    }

    @Override
    public void failed(IOException cause) {
        close("the runtime connection failed: " + cause.getMessage());
    }
}
