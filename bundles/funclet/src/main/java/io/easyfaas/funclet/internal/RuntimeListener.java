package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * A one-shot Unix socket a sandbox's runtime connects to: it accepts the first connection, then
 * closes and removes itself, so no other process can reach that runtime's channel.
 */
final class RuntimeListener implements ChannelReactor.Handler {
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final CompletableFuture<SocketChannel> accepted = new CompletableFuture<>();

    RuntimeListener(ChannelReactor reactor, Path socketPath) throws IOException {
        this.socketPath = socketPath;
        Files.deleteIfExists(socketPath);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath), 1);
        server.configureBlocking(false);
        reactor.register(server, SelectionKey.OP_ACCEPT, this);
    }

    Path socketPath() {
        return socketPath;
    }

    CompletableFuture<SocketChannel> accepted() {
        return accepted;
    }

    @Override
    public void ready(SelectionKey key) throws IOException {
        SocketChannel channel = server.accept();
        if (channel != null) {
            close();
            accepted.complete(channel);
        }
    }

    @Override
    public void failed(IOException cause) {
        close();
        accepted.completeExceptionally(cause);
    }

    void close() {
        try {
            server.close();
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
