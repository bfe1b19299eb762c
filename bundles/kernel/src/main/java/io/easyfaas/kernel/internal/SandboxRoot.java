package io.easyfaas.kernel.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.api.kernel.MountSpec;

/**
 * Builds a sandbox's root file system in the calling thread's (new, private) mount namespace:
 * a small tmpfs on the staging directory, the entries of the spec on it, then pivot_root into
 * it ({@link #enter}); then the host's tree is detached and the root made read-only
 * ({@link #seal}). The entries every sandbox shares can be staged ahead, on a launch thread
 * still waiting for its spec.
 */
final class SandboxRoot {
    private static final long ROOT_TMPFS_BYTES = 1 << 20;
    private static final String OLD_ROOT = "/.old-root";
    private static final int EBUSY = 16;
    private static final int REMOUNT_ATTEMPTS = 50;

    private SandboxRoot() {
    }

    /**
     * What {@link #stage} made: its entries, the identity (device and inode) of each file it
     * bound, by host path, and the directories it made on the root.
     */
    record Staged(List<MountSpec> mounts, Map<Path, Object> boundFiles, Set<Path> directories) {
        static final Staged NOTHING = new Staged(List.of(), Map.of(), Set.of());
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
            Set<Path> directories = emptyRootDirectories(root);
            for (MountSpec spec : shared) {
                apply(root, spec, directories);
                if (spec.kind() == MountSpec.Kind.BIND) {
                    BasicFileAttributes bound = Files.readAttributes(Path.of(root + spec.target()), BasicFileAttributes.class);
                    if (!bound.isDirectory()) {
                        boundFiles.put(spec.source(), bound.fileKey());
                    }
                }
            }
            return new Staged(shared, boundFiles, Set.copyOf(directories));
        } catch (IOException | KernelException e) {
            emptyRoot(root);
            return Staged.NOTHING;
        }
    }

    /**
     * Builds the root of {@code mounts} on what {@link #stage} made, and enters it, the host's
     * tree still attached below it until {@link #seal}. If the launch does not begin with the
     * staged entries, or a staged file is no longer the host's file at its path, the root is
     * built again from nothing.
     */
    static void enter(Path staging, Staged staged, List<MountSpec> mounts) {
        String root = staging.toString();
        int stagedCount = staged.mounts().size();
        boolean fits = mounts.size() >= stagedCount && mounts.subList(0, stagedCount).equals(staged.mounts())
                && stillTheHostsFiles(staged.boundFiles());
        if (!fits) {
            emptyRoot(root);
        }
        Set<Path> directories = emptyRootDirectories(root);
        if (fits) {
            directories.addAll(staged.directories());
        }
        try {
            for (MountSpec spec : mounts.subList(fits ? stagedCount : 0, mounts.size())) {
                apply(root, spec, directories);
            }
            makeDirectories(Path.of(root + OLD_ROOT), directories);
        } catch (IOException e) {
            throw new KernelException("cannot build the sandbox's root: " + e.getMessage(), e);
        }
        Calls.check("pivot_root " + root, () -> LibC.syscall(Syscalls.current().pivotRoot, root, root + OLD_ROOT));
        Calls.check("chdir /", () -> LibC.chdir("/"));
    }

    /**
     * Detaches the host's tree from the root entered and makes the root read-only. Detaching
     * waits for an RCU grace period, 0.1-0.3 ms here and up to 4 ms: a launch does it once its
     * process is spawned, which sees the host's tree until then, before it runs any code but
     * the engine's trusted bootstrap.
     */
    static void seal() {
        Calls.check("umount " + OLD_ROOT, () -> LibC.umount2(OLD_ROOT, Mounts.MNT_DETACH));
        try {
            Files.delete(Path.of(OLD_ROOT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        remountReadOnly();
    }

    /** Drops what was staged on {@code root} (its mounts go with the tmpfs) and mounts an empty tmpfs there. */
    private static void emptyRoot(String root) {
        Calls.check("umount " + root, () -> LibC.umount2(root, Mounts.MNT_DETACH));
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

    /** The directories known to exist on an empty root: the root and what holds it. */
    private static Set<Path> emptyRootDirectories(String root) {
        Set<Path> directories = new HashSet<>();
        for (Path directory = Path.of(root); directory != null; directory = directory.getParent()) {
            directories.add(directory);
        }
        return directories;
    }

    /**
     * Makes {@code directory} and its missing parents on the root being built, each once.
     * {@link Files#createDirectories} finds an existing or missing directory by a failed
     * mkdir, which NIO reports with two exceptions: about 20 µs a call here, and a launch
     * made some 25 such calls. A directory there that this build did not make lies inside a
     * bound host directory.
     */
    private static void makeDirectories(Path directory, Set<Path> made) throws IOException {
        if (made.contains(directory)) {
            return;
        }
        makeDirectories(directory.getParent(), made);
        try {
            Files.createDirectory(directory);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(directory)) {
                throw e;
            }
        }
        made.add(directory);
    }

    private static void apply(String root, MountSpec spec, Set<Path> directories) throws IOException {
        Path target = Path.of(root + spec.target());
        switch (spec.kind()) {
            case BIND -> {
                if (Files.isDirectory(spec.source())) {
                    makeDirectories(target, directories);
                } else {
                    makeDirectories(target.getParent(), directories);
                    try {
                        Files.createFile(target);
                    } catch (FileAlreadyExistsException e) {
                        // a file of a bound host directory: the bind covers it
                    }
                }
                Mounts.bind(spec.source(), target.toString(), spec.readOnly(), spec.source().startsWith("/dev"));
            }
            case TMPFS -> {
                makeDirectories(target, directories);
                Mounts.tmpfs(target.toString(), spec.sizeBytes(), "1777");
            }
            case SYMLINK -> {
                makeDirectories(target.getParent(), directories);
                Files.createSymbolicLink(target, spec.source());
            }
            case PROC, MOUNT_POINT -> makeDirectories(target, directories);
        }
    }
}
