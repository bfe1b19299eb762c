package io.easyfaas.kernel.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import com.sun.jna.Memory;

import io.easyfaas.api.kernel.KernelException;

/** Unix domain stream sockets the launcher connects for the processes it starts. */
final class UnixSockets {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** The size of {@code sun_path} in {@code struct sockaddr_un}. */
    private static final int PATH_BYTES = 108;
    private static final int FAMILY_BYTES = 2;
    private static final int ENAMETOOLONG = 36;

    private UnixSockets() {
    }

    /**
     * A new socket connected to {@code path}. It is close-on-exec: a spawn hands it on only
     * where it is told to.
     */
    static int connect(Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= PATH_BYTES) {
            throw new KernelException("cannot connect to " + path + ": a Unix socket's path has at most " + (PATH_BYTES - 1) + " bytes",
                    ENAMETOOLONG);
        }
        int socket = (int) Calls.check("socket(AF_UNIX)", () -> LibC.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        try {
            Memory address = new Memory(FAMILY_BYTES + PATH_BYTES);
            address.clear();
            address.setShort(0, (short) AF_UNIX);
            address.write(FAMILY_BYTES, name, 0, name.length);
            Calls.check("connect " + path, () -> LibC.connect(socket, address, FAMILY_BYTES + name.length + 1));
            return socket;
        } catch (KernelException e) {
            Calls.closeQuietly(socket);
            throw e;
        }
    }
}
