package io.easyfaas.kernel.internal;

import io.easyfaas.api.kernel.KernelException;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/** The libc calls the kernel bundle makes; grows with the sandbox's needs. */
public interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int geteuid();

    // netlink and cgroup calls
    int socket(int domain, int type, int protocol) throws LastErrorException;

    long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    long recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    int unshare(int flags) throws LastErrorException;

    int setns(int fd, int nstype) throws LastErrorException;

    String strerror(int errno);

    /** {@code e} as a KernelException naming the call, its target and the errno. */
    static KernelException failure(String call, LastErrorException e) {
        int errno = e.getErrorCode();
        return new KernelException(call + ": " + INSTANCE.strerror(errno) + " (errno " + errno + ")", errno);
    }
}
