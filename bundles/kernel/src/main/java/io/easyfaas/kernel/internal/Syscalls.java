package io.easyfaas.kernel.internal;

import com.sun.jna.Platform;

/**
 * Numbers of the system calls that glibc has no per-thread wrapper for. glibc's setresuid and
 * friends change every thread of the process; the launcher needs them on one thread only.
 */
enum Syscalls {
    X86_64(155, 116, 117, 119),
    AARCH64(41, 159, 147, 149);

    // numbered alike on every architecture since Linux 5.0
    static final long PIDFD_SEND_SIGNAL = 424;
    static final long OPEN_TREE = 428;
    static final long MOVE_MOUNT = 429;
    static final long FSOPEN = 430;
    static final long FSCONFIG = 431;
    static final long FSMOUNT = 432;
    static final long PIDFD_OPEN = 434;

    final long pivotRoot;
    final long setgroups;
    final long setresuid;
    final long setresgid;

    Syscalls(long pivotRoot, long setgroups, long setresuid, long setresgid) {
        this.pivotRoot = pivotRoot;
        this.setgroups = setgroups;
        this.setresuid = setresuid;
        this.setresgid = setresgid;
    }

    /** The numbers of this machine's architecture. */
    static Syscalls current() {
        if (Platform.isIntel() && Platform.is64Bit()) {
            return X86_64;
        }
        if (Platform.isARM() && Platform.is64Bit()) {
            return AARCH64;
        }
        throw new UnsupportedOperationException("sandboxes need x86-64 or aarch64, not " + System.getProperty("os.arch"));
    }
}
