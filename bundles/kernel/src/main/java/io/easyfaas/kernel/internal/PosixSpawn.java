package io.easyfaas.kernel.internal;

import java.util.List;
import java.util.Map;

import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

import io.easyfaas.api.kernel.LaunchSpec;

/**
 * Starts a program with posix_spawn from the calling thread, so the child inherits that
 * thread's namespaces, root and credentials. The child gets /dev/null as stdin, {@code output}
 * as stdout and stderr, no other descriptor, default signal handlers and an empty signal mask.
 */
final class PosixSpawn {
    private static final short POSIX_SPAWN_RESETIDS = 0x01;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POSIX_SPAWN_SETSID = 0x80;
    /** Larger than glibc's posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336) and sigset_t (128). */
    private static final int OPAQUE_BYTES = 512;

    private PosixSpawn() {
    }

    /**
     * @param connectionFd a descriptor the child gets as {@link LaunchSpec#CONNECTION_DESCRIPTOR}, or -1
     * @param resetIds whether the child takes the thread's real uid and gid as effective ones
     * @return the child's pid
     */
    static int spawn(List<String> command, Map<String, String> environment, String workingDirectory,
            int stdinFd, int outputFd, int connectionFd, boolean resetIds) {
        Memory actions = new Memory(OPAQUE_BYTES);
        Memory attributes = new Memory(OPAQUE_BYTES);
        Memory allSignals = new Memory(OPAQUE_BYTES);
        Memory noSignals = new Memory(OPAQUE_BYTES);
        Calls.checkResult("posix_spawn_file_actions_init", LibC.posix_spawn_file_actions_init(actions));
        Calls.checkResult("posix_spawnattr_init", LibC.posix_spawnattr_init(attributes));
        try {
            Calls.checkResult("posix_spawn_file_actions_adddup2", LibC.posix_spawn_file_actions_adddup2(actions, stdinFd, 0));
            Calls.checkResult("posix_spawn_file_actions_adddup2", LibC.posix_spawn_file_actions_adddup2(actions, outputFd, 1));
            Calls.checkResult("posix_spawn_file_actions_adddup2", LibC.posix_spawn_file_actions_adddup2(actions, outputFd, 2));
            int firstClosed = 3;
            if (connectionFd >= 0) {
                Calls.checkResult("posix_spawn_file_actions_adddup2",
                        LibC.posix_spawn_file_actions_adddup2(actions, connectionFd, LaunchSpec.CONNECTION_DESCRIPTOR));
                firstClosed = LaunchSpec.CONNECTION_DESCRIPTOR + 1;
            }
            Calls.checkResult("posix_spawn_file_actions_addchdir_np",
                    LibC.posix_spawn_file_actions_addchdir_np(actions, workingDirectory));
            Calls.checkResult("posix_spawn_file_actions_addclosefrom_np", LibC.posix_spawn_file_actions_addclosefrom_np(actions, firstClosed));
            LibC.sigfillset(allSignals);
            LibC.sigemptyset(noSignals);
            short flags = (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID
                    | (resetIds ? POSIX_SPAWN_RESETIDS : 0));
            Calls.checkResult("posix_spawnattr_setflags", LibC.posix_spawnattr_setflags(attributes, flags));
            Calls.checkResult("posix_spawnattr_setsigdefault", LibC.posix_spawnattr_setsigdefault(attributes, allSignals));
            Calls.checkResult("posix_spawnattr_setsigmask", LibC.posix_spawnattr_setsigmask(attributes, noSignals));
            StringArray argv = new StringArray(command.toArray(String[]::new));
            StringArray envp = new StringArray(environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new));
            IntByReference pid = new IntByReference();
            Calls.checkResult("posix_spawn " + command.get(0), LibC.posix_spawn(pid, command.get(0), actions, attributes, argv, envp));
            return pid.getValue();
        } finally {
            LibC.posix_spawn_file_actions_destroy(actions);
            LibC.posix_spawnattr_destroy(attributes);
        }
    }
}
