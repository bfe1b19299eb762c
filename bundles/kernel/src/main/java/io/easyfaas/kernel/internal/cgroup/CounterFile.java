package io.easyfaas.kernel.internal.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import io.easyfaas.api.kernel.KernelException;

/**
 * A cgroup file holding one number that is read on every call (the memory peak of the REPORT
 * line): kept open and read from offset 0, which the kernel regenerates, so a read costs one
 * pread instead of an open, a path walk and a close.
 */
final class CounterFile implements AutoCloseable {
    private static final int MAX_BYTES = 32;

    private final Path file;
    private FileChannel channel;
    private boolean closed;

    CounterFile(Path file) {
        this.file = file;
    }

    synchronized long read() {
        if (closed) {
            throw new KernelException("read " + file + ": its cgroup was deleted", 2); // ENOENT
        }
        try {
            if (channel == null) {
                channel = FileChannel.open(file, StandardOpenOption.READ);
            }
            ByteBuffer bytes = ByteBuffer.allocate(MAX_BYTES);
            while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) > 0) {
                // a short read is unlikely for a number, but not ruled out
            }
            bytes.flip();
            return Long.parseLong(StandardCharsets.US_ASCII.decode(bytes).toString().trim());
        } catch (IOException | NumberFormatException e) {
            throw new KernelException("read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing was written through it
            }
            channel = null;
        }
    }
}
