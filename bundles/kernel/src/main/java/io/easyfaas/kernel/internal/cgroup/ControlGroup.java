package io.easyfaas.kernel.internal.cgroup;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.kernel.internal.LibC;

import com.sun.jna.LastErrorException;

/** What both cgroup versions do alike: membership, killing everything, removal. */
abstract class ControlGroup implements Cgroup {
    private static final int SIGKILL = 9;
    private static final int ESRCH = 3;
    private static final int RMDIR_ATTEMPTS = 50;

    private final String path;
    /** The peak-memory file, kept open; empty where the kernel keeps none, null until first read. */
    private Optional<CounterFile> memoryPeak;

    ControlGroup(String path) {
        this.path = path;
    }

    /** Every directory of this group, one per hierarchy it lives in. */
    abstract List<Path> directories();

    /** The cgroup.procs file that tells membership. */
    abstract Path procs();

    /** The file with the group's peak memory use in bytes; null where the kernel keeps none. */
    abstract Path memoryPeakFile();

    @Override
    public String path() {
        return path;
    }

    @Override
    public void attach(int pid) {
        for (Path directory : directories()) {
            CgroupFiles.write(directory.resolve("cgroup.procs"), Integer.toString(pid));
        }
    }

    @Override
    public List<Integer> pids() {
        return CgroupFiles.pids(procs());
    }

    @Override
    public void killAll() {
        signalAll();
        CgroupFiles.await(() -> pids().isEmpty(), "processes of cgroup " + path + " outlived SIGKILL: " + pids());
    }

    /** Sends SIGKILL to every member while the group is frozen, so none can fork a new one meanwhile. */
    void signalAll() {
        freeze();
        try {
            long engine = ProcessHandle.current().pid();
            for (int pid : pids()) {
                if (pid != engine) { // never the engine, even if one of its threads is a member
                    kill(pid);
                }
            }
        } finally {
            thaw();
        }
    }

    /** 0 where the kernel keeps no peak; whether it does is looked up once, not on every call's REPORT. */
    @Override
    public long memoryPeakBytes() {
        Optional<CounterFile> peak;
        synchronized (this) {
            if (memoryPeak == null) {
                memoryPeak = Optional.ofNullable(memoryPeakFile()).map(CounterFile::new);
            }
            peak = memoryPeak;
        }
        return peak.map(CounterFile::read).orElse(0L);
    }

    @Override
    public void delete() {
        synchronized (this) {
            if (memoryPeak != null) {
                memoryPeak.ifPresent(CounterFile::close); // an open file would not keep the group, but it is no use now
            }
        }
        if (!Files.isDirectory(procs().getParent())) {
            return;
        }
        killAll();
        for (Path directory : directories()) {
            removeDirectory(directory);
        }
    }

    /** rmdir, retried while the kernel still counts the just-killed processes as members (EBUSY). */
    private void removeDirectory(Path directory) {
        for (int attempt = 1;; attempt++) {
            try {
                Files.delete(directory);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (FileSystemException e) {
                boolean busy = String.valueOf(e.getReason()).contains("busy");
                if (!busy || attempt == RMDIR_ATTEMPTS) {
                    throw new KernelException("rmdir " + directory + ": " + e.getMessage(), e);
                }
            } catch (IOException e) {
                throw new KernelException("rmdir " + directory + ": " + e.getMessage(), e);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KernelException("interrupted while removing " + directory, e);
            }
        }
    }

    private static void kill(int pid) {
        try {
            LibC.kill(pid, SIGKILL);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != ESRCH) {
                throw LibC.failure("kill(" + pid + ", SIGKILL)", e);
            }
        }
    }

    @Override
    public String toString() {
        return "cgroup " + path;
    }
}
