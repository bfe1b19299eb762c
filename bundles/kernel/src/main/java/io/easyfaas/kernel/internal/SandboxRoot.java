package io.easyfaas.kernel.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.api.kernel.MountSpec;

/**
 * Builds a sandbox's root file system in the calling thread's (new, private) mount namespace:
 * a small tmpfs on the staging directory, the entries of the spec on it, then pivot_root into
 * it, the host's tree detached and the root made read-only. The entries every sandbox shares
 * can be staged ahead, on a launch thread still waiting for its spec.
 */
final class SandboxRoot {
    private static final long ROOT_TMPFS_BYTES = 1 << 20;
    private static final String OLD_ROOT = "/.old-root";
    private static final int EBUSY = 16;
    private static final int REMOUNT_ATTEMPTS = 50;

    private SandboxRoot() {
    }

    /**
     * What {@link #stage} made: its entries, and the identity (device and inode) of each file it
     * bound, by host path.
     */
    record Staged(List<MountSpec> mounts, Map<Path, Object> boundFiles) {
        static final Staged NOTHING = new Staged(List.of(), Map.of());
    }

    /**
     * Mounts the root's tmpfs on {@code staging} and applies {@code shared} to it, ahead of a
     * launch; returns what was staged. A failure leaves nothing staged: the launch builds all.
     */
    static Staged stage(Path staging, List<MountSpec> shared) {
        Mounts.mount(null, "/", null, Mounts.MS_REC | Mounts.MS_PRIVATE, null);
        String root = staging.toString();
        Mounts.tmpfs(root, ROOT_TMPFS_BYTES, "0755");
        try {
            Map<Path, Object> boundFiles = new HashMap<>();
            for (MountSpec spec : shared) {
                apply(root, spec);
                if (spec.kind() == MountSpec.Kind.BIND) {
                    BasicFileAttributes bound = Files.readAttributes(Path.of(root + spec.target()), BasicFileAttributes.class);
                    if (!bound.isDirectory()) {
                        boundFiles.put(spec.source(), bound.fileKey());
                    }
                }
            }
            return new Staged(shared, boundFiles);
        } catch (IOException | KernelException e) {
            emptyRoot(root);
            return Staged.NOTHING;
        }
    }

    /**
     * Builds the root of {@code mounts} on what {@link #stage} made, and enters it. If the
     * launch does not begin with the staged entries, or a staged file is no longer the host's
     * file at its path, the root is built again from nothing.
     */
    static void enter(Path staging, Staged staged, List<MountSpec> mounts) {
        String root = staging.toString();
        int stagedCount = staged.mounts().size();
        boolean fits = mounts.size() >= stagedCount && mounts.subList(0, stagedCount).equals(staged.mounts())
                && stillTheHostsFiles(staged.boundFiles());
        if (!fits) {
            emptyRoot(root);
        }
        try {
            for (MountSpec spec : mounts.subList(fits ? stagedCount : 0, mounts.size())) {
                apply(root, spec);
            }
            Files.createDirectories(Path.of(root + OLD_ROOT));
        } catch (IOException e) {
            throw new KernelException("cannot build the sandbox's root: " + e.getMessage(), e);
        }
        Calls.check("pivot_root " + root, () -> Calls.LIBC.syscall(Syscalls.current().pivotRoot, root, root + OLD_ROOT));
        Calls.check("chdir /", () -> Calls.LIBC.chdir("/"));
        Calls.check("umount " + OLD_ROOT, () -> Calls.LIBC.umount2(OLD_ROOT, Mounts.MNT_DETACH));
        try {
            Files.delete(Path.of(OLD_ROOT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        remountReadOnly();
    }

    /** Drops what was staged on {@code root} (its mounts go with the tmpfs) and mounts an empty tmpfs there. */
    private static void emptyRoot(String root) {
        Calls.check("umount " + root, () -> Calls.LIBC.umount2(root, Mounts.MNT_DETACH));
        Mounts.tmpfs(root, ROOT_TMPFS_BYTES, "0755");
    }

    /**
     * Whether each file bound when staging is still the file at its host path: a bind holds the
     * file it found, so one the host replaced since (resolv.conf renewed by DHCP, an edited
     * /etc/hosts) would reach a sandbox staged before as the old file. One stat per file, on the
     * launch's path: what was bound was recorded when staging.
     */
    private static boolean stillTheHostsFiles(Map<Path, Object> boundFiles) {
        for (Map.Entry<Path, Object> bound : boundFiles.entrySet()) {
            try {
                if (!bound.getValue().equals(Files.readAttributes(bound.getKey(), BasicFileAttributes.class).fileKey())) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Makes the root read-only. The kernel refuses (EBUSY) while anything holds a file of the
     * root open for writing. With launches in parallel this happened once in CI and did not
     * come back in 200 parallel launches with file binds nor in four PoolIT runs; the likely
     * holder is the child another thread was spawning, which keeps a copy of every descriptor
     * (a bind target this thread was just creating among them) until it closes them before its
     * exec. That lasts microseconds, so the remount is retried briefly, and only on EBUSY.
     */
    private static void remountReadOnly() {
        for (int attempt = 1;; attempt++) {
            try {
                Mounts.mount(null, "/", null, Mounts.MS_REMOUNT | Mounts.MS_RDONLY | Mounts.MS_NOSUID | Mounts.MS_NODEV, null);
                return;
            } catch (KernelException e) {
                if (e.errno() != EBUSY || attempt == REMOUNT_ATTEMPTS) {
                    throw e;
                }
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KernelException("interrupted while making the sandbox's root read-only", e);
            }
        }
    }

    private static void apply(String root, MountSpec spec) throws IOException {
        Path target = Path.of(root + spec.target());
        switch (spec.kind()) {
            case BIND -> {
                boolean directory = Files.isDirectory(spec.source());
                if (directory) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    if (!Files.exists(target)) {
                        Files.createFile(target);
                    }
                }
                Mounts.bind(spec.source(), target.toString(), spec.readOnly(), spec.source().startsWith("/dev"));
            }
            case TMPFS -> {
                Files.createDirectories(target);
                Mounts.tmpfs(target.toString(), spec.sizeBytes(), "1777");
            }
            case SYMLINK -> {
                Files.createDirectories(target.getParent());
                Files.createSymbolicLink(target, spec.source());
            }
            case PROC, MOUNT_POINT -> Files.createDirectories(target);
        }
    }
}
