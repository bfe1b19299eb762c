package io.easyfaas.kernel.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

import io.easyfaas.api.kernel.ExitStatus;

/**
 * Reaps the processes the launcher starts, all of them from one thread: it polls a pidfd per
 * process and collects each exit with waitid, so no child is left a zombie and no thread waits
 * per child (the JDK's Process keeps one reaper thread per live child).
 */
final class ProcessReaper implements AutoCloseable {
    private static final int P_PIDFD = 3;
    private static final int WEXITED = 4;
    private static final int WNOHANG = 1;
    private static final int CLD_EXITED = 1;
    private static final short POLLIN = 1;
    private static final int O_CLOEXEC = 0x80000;
    private static final int O_NONBLOCK = 0x800;
    private static final int SIGINFO_BYTES = 128;

    /** A watched process; its pidfd stays open until it is reaped. */
    static final class Child {
        final int pid;
        final int pidfd;
        final CompletableFuture<ExitStatus> exited = new CompletableFuture<>();
        /** Set under the child's lock once its pidfd is closed. */
        private boolean reaped;

        Child(int pid, int pidfd) {
            this.pid = pid;
            this.pidfd = pidfd;
        }
    }

    private final Map<Integer, Child> childrenByPidfd = new ConcurrentHashMap<>();
    private final int[] wakeup = new int[2];
    private final Thread thread;
    private volatile boolean running = true;

    ProcessReaper() {
        Calls.check("pipe2", () -> LibC.pipe2(wakeup, O_CLOEXEC | O_NONBLOCK));
        thread = new Thread(this::loop, "easyfaas-reaper");
        thread.setDaemon(true);
        thread.start();
    }

    /** Watches {@code pid}, a child of this process that has not been waited for. */
    Child watch(int pid) {
        int pidfd = (int) Calls.check("pidfd_open(" + pid + ")",
                () -> LibC.syscall(Syscalls.PIDFD_OPEN, pid, 0));
        Child child = new Child(pid, pidfd);
        childrenByPidfd.put(pidfd, child);
        wake();
        return child;
    }

    /** Sends {@code signal} to the child unless it has been reaped: a pidfd never hits a reused pid. */
    void signal(Child child, int signal) {
        synchronized (child) {
            if (child.reaped) {
                return;
            }
            try {
                LibC.syscall(Syscalls.PIDFD_SEND_SIGNAL, child.pidfd, signal, 0, 0);
            } catch (LastErrorException e) {
                // it exited a moment ago; the reaper collects it
            }
        }
    }

    private void loop() {
        byte[] drain = new byte[64];
        while (running) {
            List<Child> watched = new ArrayList<>(childrenByPidfd.values());
            Memory fds = new Memory(8L * (watched.size() + 1));
            fds.clear();
            fds.setInt(0, wakeup[0]);
            fds.setShort(4, POLLIN);
            for (int i = 0; i < watched.size(); i++) {
                fds.setInt(8L * (i + 1), watched.get(i).pidfd);
                fds.setShort(8L * (i + 1) + 4, POLLIN);
            }
            try {
                LibC.poll(fds, watched.size() + 1, -1);
            } catch (LastErrorException e) {
                continue; // EINTR
            }
            if (fds.getShort(6) != 0) {
                try {
                    LibC.read(wakeup[0], drain, drain.length);
                } catch (LastErrorException e) {
                    // nothing left to drain
                }
            }
            for (int i = 0; i < watched.size(); i++) {
                if (fds.getShort(8L * (i + 1) + 6) != 0) {
                    reap(watched.get(i));
                }
            }
        }
    }

    private void reap(Child child) {
        Memory info = new Memory(SIGINFO_BYTES);
        info.clear();
        try {
            LibC.waitid(P_PIDFD, child.pidfd, info, WEXITED | WNOHANG);
        } catch (LastErrorException e) {
            // ECHILD: someone else reaped it; its status is lost, report it as killed
            info.setInt(8, 2);
            info.setInt(24, 9);
        }
        if (info.getInt(16) == 0 && info.getInt(8) == 0) {
            return; // not exited yet (spurious wakeup)
        }
        int code = info.getInt(8);
        ExitStatus status = new ExitStatus(info.getInt(24), code != CLD_EXITED);
        synchronized (child) {
            childrenByPidfd.remove(child.pidfd);
            Calls.closeQuietly(child.pidfd);
            child.reaped = true;
            // dependents may block (cgroup clean-up): never on the reaper's thread
            child.exited.completeAsync(() -> status);
        }
    }

    private void wake() {
        try {
            LibC.write(wakeup[1], new byte[] {1}, 1);
        } catch (LastErrorException e) {
            // the pipe is full: the reaper is awake already
        }
    }

    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Calls.closeQuietly(wakeup[0]);
        Calls.closeQuietly(wakeup[1]);
    }
}
