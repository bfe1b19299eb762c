package io.easyfaas.kernel.internal;

import java.nio.file.Path;

/** mount(2) flags and the mount operations the launcher and the attach step share. */
final class Mounts {
    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_REMOUNT = 32;
    static final long MS_BIND = 4096;
    static final long MS_REC = 16384;
    static final long MS_PRIVATE = 1 << 18;
    static final int MNT_DETACH = 2;
    static final int AT_FDCWD = -100;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int O_PATH = 0x200000;
    private static final int OPEN_TREE_CLONE = 1;
    private static final int AT_RECURSIVE = 0x8000;
    private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
    private static final int FSOPEN_CLOEXEC = 1;
    private static final int FSCONFIG_SET_FD = 5;
    private static final int FSCONFIG_CMD_CREATE = 6;
    private static final int FSMOUNT_CLOEXEC = 1;
    private static final int MOUNT_ATTR_NOSUID = 0x2;
    private static final int MOUNT_ATTR_NODEV = 0x4;
    private static final int MOUNT_ATTR_NOEXEC = 0x8;

    private Mounts() {
    }

    static void mount(String source, String target, String type, long flags, String data) {
        Calls.check("mount " + (source == null ? "" : source + " ") + "on " + target,
                () -> LibC.mount(source, target, type, flags, data));
    }

    static void bind(Path source, String target, boolean readOnly, boolean device) {
        mount(source.toString(), target, null, MS_BIND | MS_REC, null);
        // a bind takes the source's flags; a second call sets the sandbox's
        long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (readOnly ? MS_RDONLY : 0) | (device ? 0 : MS_NODEV);
        mount(null, target, null, flags, null);
    }

    static void tmpfs(String target, long sizeBytes, String mode) {
        mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=" + sizeBytes + ",mode=" + mode);
    }

    /**
     * Mounts a proc file system showing the PID namespace of process {@code pid} at {@code target}
     * in the caller's mount namespace, with the new mount API's {@code pidns} option (Linux 6.15)
     * so that the mount can be made from outside that PID namespace.
     *
     * @param hostProc a descriptor of the host's /proc, opened before the caller changed its root
     */
    static void procOf(int hostProc, int pid, String target) {
        int namespace = -1;
        int context = -1;
        int mount = -1;
        try {
            int nsFd = (int) Calls.check("open /proc/" + pid + "/ns/pid",
                    () -> LibC.openat(hostProc, pid + "/ns/pid", O_RDONLY | O_CLOEXEC, 0));
            namespace = nsFd;
            int fsFd = (int) Calls.check("fsopen proc", () -> LibC.syscall(Syscalls.FSOPEN, "proc", FSOPEN_CLOEXEC));
            context = fsFd;
            Calls.check("fsconfig proc pidns", () -> LibC.syscall(Syscalls.FSCONFIG, fsFd, FSCONFIG_SET_FD, "pidns", null, nsFd));
            Calls.check("fsconfig proc create", () -> LibC.syscall(Syscalls.FSCONFIG, fsFd, FSCONFIG_CMD_CREATE, null, null, 0));
            int mountFd = (int) Calls.check("fsmount proc", () -> LibC.syscall(Syscalls.FSMOUNT, fsFd, FSMOUNT_CLOEXEC,
                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
            mount = mountFd;
            Calls.check("move_mount proc to " + target,
                    () -> LibC.syscall(Syscalls.MOVE_MOUNT, mountFd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH));
        } finally {
            Calls.closeQuietly(mount);
            Calls.closeQuietly(context);
            Calls.closeQuietly(namespace);
        }
    }

    /** A detached copy of the host tree at {@code source}, to be moved into another namespace. */
    static int cloneTree(Path source) {
        return (int) Calls.check("open_tree " + source, () -> LibC.syscall(Syscalls.OPEN_TREE, AT_FDCWD, source.toString(),
                OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE));
    }

    static void moveTree(int tree, String target) {
        Calls.check("move_mount to " + target,
                () -> LibC.syscall(Syscalls.MOVE_MOUNT, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH));
    }
}
