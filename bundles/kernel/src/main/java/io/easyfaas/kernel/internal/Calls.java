package io.easyfaas.kernel.internal;

import com.sun.jna.LastErrorException;

import io.easyfaas.api.kernel.KernelException;

/** Runs libc calls and reports failures as {@link KernelException}s naming the call. */
final class Calls {
    private Calls() {
    }

    /** A libc call that may fail with errno. */
    @FunctionalInterface
    interface Call {
        long run() throws LastErrorException;
    }

    static long check(String what, Call call) {
        try {
            return call.run();
        } catch (LastErrorException e) {
            throw LibC.failure(what, e);
        }
    }

    /** A call that returns an error number instead of setting errno, as posix_spawn does. */
    static void checkResult(String what, int result) {
        if (result != 0) {
            throw new KernelException(what + " failed: " + LibC.strerror(result) + " (errno " + result + ")", result);
        }
    }

    static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                LibC.close(fd);
            } catch (LastErrorException e) {
                // nothing to do: the descriptor is gone either way
            }
        }
    }
}
