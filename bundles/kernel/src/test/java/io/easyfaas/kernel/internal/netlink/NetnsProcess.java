package io.easyfaas.kernel.internal.netlink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** For tests only: a {@code sleep} in a network namespace of its own, made by util-linux {@code unshare --net}. */
public final class NetnsProcess implements AutoCloseable {
    private final Process process;

    private NetnsProcess(Process process) {
        this.process = process;
    }

    /** Starts it and returns once the namespace exists and sleep runs in it. */
    public static NetnsProcess start() throws IOException, InterruptedException {
        NetnsProcess started = new NetnsProcess(new ProcessBuilder("/usr/bin/unshare", "--net", "/bin/sleep", "300").start());
        Path ours = Path.of("/proc/self/ns/net");
        Path theirs = Path.of("/proc/" + started.pid() + "/ns/net");
        for (int i = 0; i < 500; i++) {
            if (Files.readString(Path.of("/proc/" + started.pid() + "/comm")).startsWith("sleep")
                    && !Files.readSymbolicLink(theirs).equals(Files.readSymbolicLink(ours))) {
                return started;
            }
            Thread.sleep(10);
        }
        started.close();
        throw new AssertionError("unshare --net never ran sleep in a namespace of its own");
    }

    public int pid() {
        return (int) process.pid();
    }

    /** Kills the sleep; its namespace, with any veth end in it, goes with it. */
    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }
}
