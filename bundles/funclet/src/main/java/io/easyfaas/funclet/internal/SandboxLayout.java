package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.easyfaas.api.kernel.Isolation;
import io.easyfaas.api.kernel.LaunchSpec;
import io.easyfaas.api.kernel.MountSpec;
import io.easyfaas.api.runtime.RuntimeProtocol;

/**
 * What a sandbox sees, and where: the host's system directories read-only, the runtime's
 * bootstrap read-only, a mount point for the function's code, a private /tmp, its own /proc
 * and the few devices a runtime needs. Without isolation the runtime sees the host's paths.
 */
final class SandboxLayout {
    static final String RUNTIME_DIRECTORY = "/opt/easyfaas/runtime";
    static final String TASK_DIRECTORY = "/var/task";
    static final String SOCKET = "/run/easyfaas/runtime.sock";
    private static final List<String> SYSTEM_DIRECTORIES = List.of("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
    /** What runtimes read from /etc: users, name resolution, time zone, TLS roots, the linker cache. */
    private static final List<String> ETC_ENTRIES = List.of("passwd", "group", "hosts", "resolv.conf", "nsswitch.conf",
            "host.conf", "localtime", "timezone", "ssl", "ca-certificates", "ca-certificates.conf", "alternatives",
            "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "mime.types", "os-release");
    private static final List<String> DEVICES = List.of("null", "zero", "full", "random", "urandom");

    private final boolean isolated;
    private final int uid;
    private final int gid;
    private final long tmpBytes;
    private final Path dataDirectory;
    private final Path emptyDirectory;

    /** A layout for runtimes that share the host's view (isolation off). */
    static SandboxLayout unisolated() {
        return new SandboxLayout(false, 0, 0, 0, null, null);
    }

    static SandboxLayout isolated(int uid, int gid, long tmpBytes, Path dataDirectory, Path emptyDirectory) {
        return new SandboxLayout(true, uid, gid, tmpBytes, dataDirectory, emptyDirectory);
    }

    private SandboxLayout(boolean isolated, int uid, int gid, long tmpBytes, Path dataDirectory, Path emptyDirectory) {
        this.isolated = isolated;
        this.uid = uid;
        this.gid = gid;
        this.tmpBytes = tmpBytes;
        this.dataDirectory = dataDirectory;
        this.emptyDirectory = emptyDirectory;
    }

    boolean isolated() {
        return isolated;
    }

    int uid() {
        return uid;
    }

    /** Where the runtime finds its bootstrap. */
    Path bootstrapDirectory(Path host) {
        return isolated ? Path.of(RUNTIME_DIRECTORY) : host;
    }

    /** Where the runtime finds the function's code. */
    Path taskDirectory(Path host) {
        return isolated ? Path.of(TASK_DIRECTORY) : host;
    }

    String workingDirectory(Path hostWork) {
        return isolated ? "/tmp" : hostWork.toString();
    }

    /** @param hostSocket the engine's socket; {@code null} for a runtime handed its connection */
    Map<String, String> environment(String sandboxId, Path hostWork, Path hostSocket) {
        Map<String, String> environment = new HashMap<>();
        environment.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        environment.put("LANG", "C.UTF-8");
        String home = isolated ? "/tmp" : hostWork.toString();
        environment.put("HOME", home);
        environment.put("TMPDIR", isolated ? "/tmp" : hostWork.resolve("tmp").toString());
        if (hostSocket == null) { // the runtime is handed its connection
            environment.put(RuntimeProtocol.DESCRIPTOR_ENV, Integer.toString(LaunchSpec.CONNECTION_DESCRIPTOR));
        } else {
            environment.put(RuntimeProtocol.SOCKET_ENV, isolated ? SOCKET : hostSocket.toString());
        }
        environment.put(RuntimeProtocol.SANDBOX_ID_ENV, sandboxId);
        return environment;
    }

    /**
     * The host's system directories and /etc entries as they are now, as a sandbox shows them:
     * some 50 file lookups, which the funclet makes ahead of the start that uses them.
     */
    static List<MountSpec> systemEntries() {
        List<MountSpec> entries = new ArrayList<>();
        for (String directory : SYSTEM_DIRECTORIES) {
            addSystemEntry(entries, Path.of(directory));
        }
        for (String entry : ETC_ENTRIES) {
            addSystemEntry(entries, Path.of("/etc", entry));
        }
        return List.copyOf(entries);
    }

    /**
     * The isolation of a sandbox whose runtime is {@code interpreter} (a host path).
     *
     * @param systemEntries what {@link #systemEntries()} found
     * @param hostSocket the engine's socket for the runtime to connect to; {@code null} for a
     *     runtime handed its connection, which then sees no socket
     * @param hostCode the function's code, for a sandbox made for it; {@code null} for a stem
     *     cell, whose code is attached later
     */
    Isolation isolation(String sandboxId, List<MountSpec> systemEntries, Path interpreter, Path hostBootstrap, Path hostSocket,
            boolean hostNetwork, Path hostCode) {
        List<MountSpec> mounts = new ArrayList<>(systemEntries);
        Path interpreterHome = interpreterHome(interpreter);
        if (interpreterHome != null) {
            mounts.add(MountSpec.bind(interpreterHome, interpreterHome.toString(), true));
        }
        if (dataDirectory != null && visibleThrough(dataDirectory, mounts)) {
            mounts.add(MountSpec.bind(emptyDirectory, dataDirectory.toString(), true));
        }
        for (String device : DEVICES) {
            mounts.add(MountSpec.bind(Path.of("/dev", device), "/dev/" + device, false));
        }
        mounts.add(MountSpec.symlink("/proc/self/fd", "/dev/fd"));
        mounts.add(MountSpec.proc("/proc"));
        mounts.add(MountSpec.tmpfs("/tmp", tmpBytes));
        mounts.add(MountSpec.bind(hostBootstrap, RUNTIME_DIRECTORY, true));
        mounts.add(hostCode == null ? MountSpec.mountPoint(TASK_DIRECTORY) : MountSpec.bind(hostCode, TASK_DIRECTORY, true));
        if (hostSocket != null) {
            mounts.add(MountSpec.bind(hostSocket, SOCKET, false));
        }
        return new Isolation("sandbox-" + sandboxId, uid, gid, mounts, hostNetwork);
    }

    /** A symbolic link is recreated as one; a directory or file is bound read-only. */
    private static void addSystemEntry(List<MountSpec> mounts, Path host) {
        try {
            if (Files.isSymbolicLink(host)) {
                mounts.add(MountSpec.symlink(Files.readSymbolicLink(host).toString(), host.toString()));
            } else if (Files.exists(host)) {
                mounts.add(MountSpec.bind(host, host.toString(), true));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The installation of an interpreter outside the system directories, e.g. /opt/node-v20. */
    private static Path interpreterHome(Path interpreter) {
        try {
            Path real = interpreter.toRealPath();
            if (SYSTEM_DIRECTORIES.stream().anyMatch(directory -> real.startsWith(directory))) {
                return null;
            }
            Path bin = real.getParent();
            return bin.getParent() == null || bin.getParent().getParent() == null ? bin : bin.getParent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find the runtime's interpreter " + interpreter, e);
        }
    }

    private static boolean visibleThrough(Path path, List<MountSpec> mounts) {
        return mounts.stream().anyMatch(mount -> mount.kind() == MountSpec.Kind.BIND && path.startsWith(mount.target()));
    }
}
