package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One selector thread for every sandbox channel: the engine holds no thread per sandbox and
 * none per call. Handlers run on this thread and must not block.
 */
final class ChannelReactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelReactor.class);

    /** Called on the reactor thread when a registered channel is ready. */
    interface Handler {
        void ready(SelectionKey key) throws IOException;

        /** The handler threw or its channel failed; release what it holds. */
        void failed(IOException cause);
    }

    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Runnable afterEachRound;
    private final Thread thread;
    private volatile boolean running = true;

    /** @param afterEachRound run on the reactor thread once the tasks and ready channels of a wake-up are handled */
    ChannelReactor(String name, Runnable afterEachRound) throws IOException {
        this.afterEachRound = afterEachRound;
        selector = Selector.open();
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} on the reactor thread. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Registers {@code channel} (non-blocking) for {@code ops}; the handler sees its key. */
    void register(SelectableChannel channel, int ops, Handler handler) {
        execute(() -> {
            try {
                channel.register(selector, ops, handler);
            } catch (ClosedChannelException e) {
                handler.failed(e);
            }
        });
    }

    /** For registrations made in a task, on the reactor thread. */
    Selector selector() {
        return selector;
    }

    /** Makes a changed interest set take effect now rather than at the next wake-up. */
    void wakeup() {
        selector.wakeup();
    }

    private void loop() {
        while (running) {
            try {
                selector.select();
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Handler handler = (Handler) key.attachment();
                    try {
                        if (key.isValid()) {
                            handler.ready(key);
                        }
                    } catch (IOException e) {
                        key.cancel();
                        handler.failed(e);
                    }
                }
                selector.selectedKeys().clear();
                afterEachRound.run();
            } catch (IOException | RuntimeException e) {
                if (running) {
                    LOG.error("Sandbox channel reactor failed; carrying on", e);
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        selector.wakeup();
        thread.join(5000);
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the selector", e);
        }
    }
}
