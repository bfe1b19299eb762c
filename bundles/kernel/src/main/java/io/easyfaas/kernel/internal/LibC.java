package io.easyfaas.kernel.internal;

import io.easyfaas.api.kernel.KernelException;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

/**
 * The libc calls the kernel bundle makes, bound by JNA's direct mapping: each call is a JNI
 * native method whose arguments JNA converts in C. Interface mapping (a proxy, reflection and
 * {@code Function.invoke} per call) cost a sandbox's start about a hundred interpreted calls
 * of that code, then its compilation on the CPUs the interpreter starts on. Calls that report
 * failure through errno are declared {@code throws LastErrorException}; {@link Calls} turns
 * those into exceptions naming the call. Direct mapping takes no varargs: {@code syscall} is
 * declared once per shape of arguments the bundle passes, integers as {@code long} as the
 * kernel reads them, a null pointer as {@code 0}.
 */
public final class LibC {

    static {
        Native.register(LibC.class, NativeLibrary.getInstance("c"));
    }

    private LibC() {
    }

    public static native int geteuid();

    public static native String strerror(int errno);

    // processes and namespaces

    public static native int unshare(int flags) throws LastErrorException;

    public static native int setns(int fd, int nstype) throws LastErrorException;

    public static native int sethostname(String name, long length) throws LastErrorException;

    public static native int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    public static native int kill(int pid, int signal) throws LastErrorException;

    public static native int waitid(int idType, int id, Pointer info, int options) throws LastErrorException;

    public static native int chdir(String path) throws LastErrorException;

    // system calls without a glibc wrapper (or, for the credentials, one that changes every thread)

    public static native long syscall(long number, long a, long b) throws LastErrorException;

    public static native long syscall(long number, long a, long b, long c) throws LastErrorException;

    public static native long syscall(long number, long a, long b, long c, long d) throws LastErrorException;

    public static native long syscall(long number, String a, long b) throws LastErrorException;

    public static native long syscall(long number, String a, String b) throws LastErrorException;

    public static native long syscall(long number, long a, String b, long c) throws LastErrorException;

    public static native long syscall(long number, long a, long b, String c, String d, long e) throws LastErrorException;

    public static native long syscall(long number, long a, String b, long c, String d, long e) throws LastErrorException;

    // mounts

    public static native int mount(String source, String target, String type, long flags, String data) throws LastErrorException;

    public static native int umount2(String target, int flags) throws LastErrorException;

    // files

    public static native int open(String path, int flags, int mode) throws LastErrorException;

    public static native int openat(int directory, String path, int flags, int mode) throws LastErrorException;

    public static native int close(int fd) throws LastErrorException;

    public static native int pipe2(int[] fds, int flags) throws LastErrorException;

    public static native long read(int fd, byte[] buffer, long count) throws LastErrorException;

    public static native long write(int fd, byte[] buffer, long count) throws LastErrorException;

    public static native int poll(Pointer fds, long count, int timeoutMillis) throws LastErrorException;

    // sockets

    public static native int socket(int domain, int type, int protocol) throws LastErrorException;

    public static native int connect(int fd, Pointer address, int length) throws LastErrorException;

    public static native long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    public static native long recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

    // posix_spawn: these return an error number instead of setting errno; argv and envp are
    // StringArrays (direct mapping takes no String[])

    public static native int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attributes,
            Pointer argv, Pointer envp);

    public static native int posix_spawn_file_actions_init(Pointer fileActions);

    public static native int posix_spawn_file_actions_destroy(Pointer fileActions);

    public static native int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    public static native int posix_spawn_file_actions_addchdir_np(Pointer fileActions, String path);

    public static native int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    public static native int posix_spawnattr_init(Pointer attributes);

    public static native int posix_spawnattr_destroy(Pointer attributes);

    public static native int posix_spawnattr_setflags(Pointer attributes, short flags);

    public static native int posix_spawnattr_setsigmask(Pointer attributes, Pointer signals);

    public static native int posix_spawnattr_setsigdefault(Pointer attributes, Pointer signals);

    public static native int sigemptyset(Pointer signals);

    public static native int sigfillset(Pointer signals);

    /** {@code e} as a KernelException naming the call, its target and the errno. */
    public static KernelException failure(String call, LastErrorException e) {
        int errno = e.getErrorCode();
        return new KernelException(call + " failed: " + strerror(errno) + " (errno " + errno + ")", errno);
    }
}
