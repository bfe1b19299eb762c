package io.easyfaas.kernel.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;


import io.easyfaas.api.kernel.ExitStatus;
import io.easyfaas.api.kernel.Isolation;
import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.api.kernel.LaunchSpec;
import io.easyfaas.api.kernel.LaunchedProcess;
import io.easyfaas.api.kernel.MountSpec;
import io.easyfaas.api.kernel.ProcessLauncher;
import io.easyfaas.kernel.internal.netlink.Rtnetlink;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Starts processes with posix_spawn and reaps them. An isolated process is made on a thread
 * of its own: that thread unshares its namespaces, builds the sandbox's root and pivots into
 * it, then gives up its user (keeping root only as its effective id) and spawns the child,
 * which inherits all of it and drops the effective root too. The thread then mounts the
 * child's /proc, detaches the host's tree from the root and makes the root read-only (the
 * child runs the engine's trusted bootstrap meanwhile, which touches none of it) and ends, so
 * the JVM never keeps a thread with a changed root or identity.
 * Each launch's thread is prepared during the launch before: it makes its namespaces and
 * stages the entries of the root that the last two launches began with (the host's system
 * directories, mostly), so that a launch builds only the entries of its own sandbox.
 */
@Component(service = ProcessLauncher.class)
public class NamespaceLauncher implements ProcessLauncher {
    private static final int CLONE_FS = 0x200;
    private static final int CLONE_NEWNS = 0x20000;
    private static final int CLONE_NEWUTS = 0x4000000;
    private static final int CLONE_NEWIPC = 0x8000000;
    private static final int CLONE_NEWPID = 0x20000000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int PR_CAPBSET_READ = 23;
    private static final int PR_CAPBSET_DROP = 24;
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int PR_CAP_AMBIENT = 47;
    private static final int PR_CAP_AMBIENT_CLEAR_ALL = 4;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0x40;
    private static final int O_APPEND = 0x400;
    private static final int SIGKILL = 9;
    private static final int ENOENT = 2;
    private static final int EINVAL = 22;

    private final ProcessReaper reaper = new ProcessReaper();
    /** The next launch's thread, prepared ahead; replaced after every launch. */
    private final AtomicReference<PreparedThread> spare = new AtomicReference<>();
    /** The root entries of the last isolated launch, and those it began with that the one before had too. */
    private final AtomicReference<LearnedMounts> learned = new AtomicReference<>(new LearnedMounts(List.of(), List.of()));
    private volatile boolean stopped;
    private final Path staging;
    private final int lastCapability;

    @Activate
    public NamespaceLauncher(BundleContext context) throws IOException {
        this(context.getDataFile("sandbox-root").toPath());
    }

    /** @param staging an empty directory the launcher mounts sandboxes' roots on, in their own namespaces */
    public NamespaceLauncher(Path staging) throws IOException {
        this.staging = Files.createDirectories(staging);
        this.lastCapability = lastCapability();
        loadClassesUsedInsideSandboxes();
    }

    /** The highest capability this kernel knows: the bounding set answers EINVAL past it. */
    private static int lastCapability() {
        int capability = 0;
        while (true) {
            try {
                LibC.prctl(PR_CAPBSET_READ, capability + 1, 0, 0, 0);
                capability++;
            } catch (LastErrorException e) {
                return capability;
            }
        }
    }

    /**
     * A launch thread cannot load classes once it has pivoted into the sandbox's root: the jars
     * are out of sight, and a failed resolution sticks for the life of the JVM. So every class
     * that code touches is loaded here, and one plain spawn runs the JNA paths it takes.
     */
    private void loadClassesUsedInsideSandboxes() throws IOException {
        for (Class<?> type : List.of(KernelException.class, LastErrorException.class, PosixSpawn.class, Mounts.class,
                LibC.class, Calls.class, Calls.Call.class, Syscalls.class, ProcessReaper.Child.class, IntByReference.class,
                StringArray.class, Memory.class)) {
            try {
                Class.forName(type.getName(), true, type.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        Syscalls.current();
        Path output = Files.createTempFile(staging, "warm-up", ".log");
        try {
            launch(new LaunchSpec(List.of("/bin/true"), Map.of(), "/", output, null, null)).exited().toCompletableFuture().join();
        } finally {
            Files.delete(output);
        }
    }

    @Deactivate
    public void deactivate() {
        stopped = true;
        PreparedThread thread = spare.getAndSet(null);
        if (thread != null) {
            thread.discard();
            thread.awaitEnd(); // it may still be staging: it must not outlive the staging directory
        }
        reaper.close();
    }

    @Override
    public LaunchedProcess launch(LaunchSpec spec) {
        ProcessReaper.Child child = spec.isolation() == null ? spawnPlain(spec) : launchOnPreparedThread(spec);
        Process process = new Process(child);
        // Joined after the start: the trusted bootstrap runs no user code before init. Making
        // the launch thread join first would put the engine itself in the sandbox's group.
        if (spec.cgroup() != null) {
            try {
                spec.cgroup().attach(child.pid);
            } catch (KernelException e) {
                if (!exitsPromptly(child)) { // a process that is gone already cannot join; the reaper reports it
                    process.kill();
                    throw e;
                }
            }
        }
        return process;
    }

    private static boolean exitsPromptly(ProcessReaper.Child child) {
        try {
            child.exited.get(100, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    private ProcessReaper.Child spawnPlain(LaunchSpec spec) {
        int[] descriptors = openDescriptors(spec);
        try {
            int pid = PosixSpawn.spawn(spec.command(), spec.environment(), spec.workingDirectory(), descriptors[0], descriptors[1],
                    descriptors[2], false);
            return reaper.watch(pid);
        } finally {
            closeAll(descriptors);
        }
    }

    /**
     * Launches on a thread that has made its namespaces and dropped what it can of its
     * privileges ahead of the call, and starts the next such thread for the launch after.
     */
    private ProcessReaper.Child launchOnPreparedThread(LaunchSpec spec) {
        List<MountSpec> mounts = spec.isolation().mounts();
        learned.updateAndGet(last -> new LearnedMounts(mounts, commonPrefix(last.latest(), mounts)));
        boolean hostNetwork = spec.isolation().hostNetwork();
        PreparedThread thread = spare.getAndSet(null);
        if (thread != null && thread.hostNetwork != hostNetwork) {
            spare.compareAndSet(null, thread);
            thread = null;
        }
        if (thread == null) {
            thread = new PreparedThread(hostNetwork);
        }
        try {
            return thread.launch(spec);
        } finally {
            if (!stopped && spare.get() == null) {
                PreparedThread next = new PreparedThread(false);
                if (!spare.compareAndSet(null, next)) {
                    next.discard();
                }
            }
        }
    }

    private record LearnedMounts(List<MountSpec> latest, List<MountSpec> shared) {
    }

    private static List<MountSpec> commonPrefix(List<MountSpec> a, List<MountSpec> b) {
        int length = 0;
        while (length < a.size() && length < b.size() && a.get(length).equals(b.get(length))) {
            length++;
        }
        return List.copyOf(a.subList(0, length));
    }

    /**
     * A thread that makes a sandbox's namespaces, brings its loopback up, gives up capabilities
     * it will not need and stages the shared part of the root as soon as it starts, then waits
     * for the sandbox to launch, launches it and ends: its namespaces, root and credentials are
     * changed for good.
     */
    private final class PreparedThread {
        private final boolean hostNetwork;
        private final CompletableFuture<LaunchSpec> work = new CompletableFuture<>();
        private final CompletableFuture<ProcessReaper.Child> result = new CompletableFuture<>();
        private final Thread thread = new Thread(this::run, "easyfaas-launch");

        PreparedThread(boolean hostNetwork) {
            this.hostNetwork = hostNetwork;
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                prepare(hostNetwork);
                SandboxRoot.Staged staged = SandboxRoot.stage(staging, learned.get().shared());
                LaunchSpec spec = work.join();
                if (spec != null) {
                    result.complete(spawnIsolated(spec, staged));
                }
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }

        ProcessReaper.Child launch(LaunchSpec spec) {
            work.complete(spec);
            return await("launch", result);
        }

        /** Ends the thread without launching; what it made goes with it. */
        void discard() {
            work.complete(null);
        }

        /**
         * Waits for a discarded thread to end. One still staging when the staging directory is
         * removed would make the entries it had left to stage in the host's directory instead.
         */
        void awaitEnd() {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The part of a launch that needs no spec: namespaces, loopback, no new privileges, no capabilities to gain. */
    private void prepare(boolean hostNetwork) {
        int namespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | (hostNetwork ? 0 : CLONE_NEWNET);
        Calls.check("unshare", () -> LibC.unshare(namespaces));
        if (!hostNetwork) {
            try (Rtnetlink netlink = Rtnetlink.open()) {
                netlink.setLinkUp("lo");
            }
        }
        Calls.check("prctl(PR_SET_NO_NEW_PRIVS)", () -> LibC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        Calls.check("prctl(PR_CAP_AMBIENT)", () -> LibC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
        for (int capability = 0; capability <= lastCapability; capability++) {
            int dropped = capability;
            Calls.check("prctl(PR_CAPBSET_DROP)", () -> LibC.prctl(PR_CAPBSET_DROP, dropped, 0, 0, 0));
        }
    }

    /** On a prepared thread: the sandbox's root, host name and user, then the process itself. */
    private ProcessReaper.Child spawnIsolated(LaunchSpec spec, SandboxRoot.Staged staged) {
        Isolation isolation = spec.isolation();
        int[] descriptors = openDescriptors(spec); // the connection's socket is found on the host's paths
        int hostProc = (int) Calls.check("open /proc", () -> LibC.open("/proc", Mounts.O_PATH | Mounts.O_CLOEXEC, 0));
        try {
            SandboxRoot.enter(staging, staged, isolation.mounts());
            byte[] hostname = isolation.hostname().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Calls.check("sethostname", () -> LibC.sethostname(isolation.hostname(), hostname.length));
            dropUser(isolation.uid(), isolation.gid());
            int pid = PosixSpawn.spawn(spec.command(), spec.environment(), spec.workingDirectory(), descriptors[0], descriptors[1],
                    descriptors[2], true);
            ProcessReaper.Child child = reaper.watch(pid);
            try {
                // /proc first: a runtime reads it as it starts (Node: /proc/meminfo, /proc/self/maps)
                for (MountSpec mount : isolation.mounts()) {
                    if (mount.kind() == MountSpec.Kind.PROC) {
                        mountProc(hostProc, pid, mount.target());
                    }
                }
                SandboxRoot.seal();
            } catch (RuntimeException e) { // a child in an unsealed root is not left running
                reaper.signal(child, SIGKILL);
                throw e;
            }
            return child;
        } finally {
            Calls.closeQuietly(hostProc);
            closeAll(descriptors);
        }
    }

    /**
     * A kernel older than 6.15 has no {@code pidns} option for proc: the sandbox then gets no
     * /proc at all, which hides more, rather than one showing the host's processes. A child
     * that has exited already has no namespace left to show (ENOENT); its exit status says why.
     */
    private static void mountProc(int hostProc, int pid, String target) {
        try {
            Mounts.procOf(hostProc, pid, target);
        } catch (KernelException e) {
            if (e.errno() != EINVAL && e.errno() != ENOENT) {
                throw e;
            }
        }
    }

    /**
     * Leaves this thread root only as its effective user: its real and saved ids become the
     * sandbox's, so the child that posix_spawn resets to the real ids holds no root id at all
     * and the kernel clears its capabilities. The system calls change this thread only.
     */
    private static void dropUser(int uid, int gid) {
        Syscalls numbers = Syscalls.current();
        Calls.check("setgroups", () -> LibC.syscall(numbers.setgroups, 0, 0));
        Calls.check("setresgid", () -> LibC.syscall(numbers.setresgid, gid, gid, gid));
        Calls.check("setresuid", () -> LibC.syscall(numbers.setresuid, uid, 0, uid));
    }

    /** The process's stdin (/dev/null), its output file, and its connection (-1 for none). */
    private static int[] openDescriptors(LaunchSpec spec) {
        int[] descriptors = {-1, -1, -1};
        try {
            descriptors[0] = (int) Calls.check("open /dev/null", () -> LibC.open("/dev/null", Mounts.O_RDONLY | Mounts.O_CLOEXEC, 0));
            descriptors[1] = (int) Calls.check("open " + spec.output(), () -> LibC.open(spec.output().toString(),
                    O_WRONLY | O_CREAT | O_APPEND | Mounts.O_CLOEXEC, 0640));
            if (spec.connection() != null) {
                descriptors[2] = UnixSockets.connect(spec.connection());
            }
            return descriptors;
        } catch (KernelException e) {
            closeAll(descriptors);
            throw e;
        }
    }

    private static void closeAll(int[] descriptors) {
        for (int descriptor : descriptors) {
            Calls.closeQuietly(descriptor);
        }
    }

    /** Runs {@code work} on a new thread that ends with it, and waits for its result. */
    private static <T> T onOwnThread(String what, Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(work.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "easyfaas-" + what);
        thread.start();
        return await(what, result);
    }

    private static <T> T await(String what, CompletableFuture<T> result) {
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new KernelException(what + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Attaching a host directory: this thread leaves the host's mount namespace for good. */
    private static void attach(int pid, Path source, String target, boolean readOnly) {
        onOwnThread("attach", () -> {
            Calls.check("unshare(CLONE_FS)", () -> LibC.unshare(CLONE_FS));
            int tree = Mounts.cloneTree(source);
            int namespace = -1;
            try {
                int nsFd = (int) Calls.check("open /proc/" + pid + "/ns/mnt",
                        () -> LibC.open("/proc/" + pid + "/ns/mnt", Mounts.O_RDONLY | Mounts.O_CLOEXEC, 0));
                namespace = nsFd;
                Calls.check("setns mnt of " + pid, () -> LibC.setns(nsFd, CLONE_NEWNS));
                Mounts.moveTree(tree, target);
                long flags = Mounts.MS_REMOUNT | Mounts.MS_BIND | Mounts.MS_NOSUID | Mounts.MS_NODEV | (readOnly ? Mounts.MS_RDONLY : 0);
                Mounts.mount(null, target, null, flags, null);
                return null;
            } finally {
                Calls.closeQuietly(namespace);
                Calls.closeQuietly(tree);
            }
        });
    }

    /** A launched process, reaped by the launcher's reaper. */
    private final class Process implements LaunchedProcess {
        private final ProcessReaper.Child child;

        Process(ProcessReaper.Child child) {
            this.child = child;
        }

        @Override
        public int pid() {
            return child.pid;
        }

        @Override
        public CompletionStage<ExitStatus> exited() {
            return child.exited.minimalCompletionStage();
        }

        @Override
        public void kill() {
            reaper.signal(child, SIGKILL);
        }

        @Override
        public void attach(Path source, String target, boolean readOnly) {
            NamespaceLauncher.attach(child.pid, source, target, readOnly);
        }
    }
}
