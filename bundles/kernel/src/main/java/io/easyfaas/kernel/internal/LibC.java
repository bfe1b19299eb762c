package io.easyfaas.kernel.internal;

import io.easyfaas.api.kernel.KernelException;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The libc calls the kernel bundle makes. Calls that report failure through errno are declared
 * {@code throws LastErrorException}; {@link Calls} turns those into exceptions naming the call.
 */
public interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int geteuid();

    String strerror(int errno);

    // processes and namespaces

    int unshare(int flags) throws LastErrorException;

    int setns(int fd, int nstype) throws LastErrorException;

    int sethostname(String name, long length) throws LastErrorException;

    int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    int waitid(int idType, int id, Pointer info, int options) throws LastErrorException;

    int chdir(String path) throws LastErrorException;

    long syscall(long number, Object... arguments) throws LastErrorException;

    // mounts

    int mount(String source, String target, String type, long flags, String data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    // files

    int open(String path, int flags, int mode) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    int openat(int directory, String path, int flags, int mode) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int pipe2(int[] fds, int flags) throws LastErrorException;

    long read(int fd, byte[] buffer, long count) throws LastErrorException;

    long write(int fd, byte[] buffer, long count) throws LastErrorException;

    int poll(Pointer fds, long count, int timeoutMillis) throws LastErrorException;

    // sockets

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int connect(int fd, Pointer address, int length) throws LastErrorException;

    long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    long recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    // posix_spawn: these return an error number instead of setting errno

    int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attributes, String[] argv, String[] envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String path);

    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    int posix_spawnattr_init(Pointer attributes);

    int posix_spawnattr_destroy(Pointer attributes);

    int posix_spawnattr_setflags(Pointer attributes, short flags);

    int posix_spawnattr_setsigmask(Pointer attributes, Pointer signals);

    int posix_spawnattr_setsigdefault(Pointer attributes, Pointer signals);

    int sigemptyset(Pointer signals);

    int sigfillset(Pointer signals);

    /** {@code e} as a KernelException naming the call, its target and the errno. */
    static KernelException failure(String call, LastErrorException e) {
        int errno = e.getErrorCode();
        return new KernelException(call + " failed: " + INSTANCE.strerror(errno) + " (errno " + errno + ")", errno);
    }
}
