package io.easyfaas.controller.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's physical memory, from /proc/meminfo. */
final class NodeMemory {
    /** What the node is assumed to have where /proc/meminfo cannot be read. */
    private static final long FALLBACK_MB = 1024;

    private NodeMemory() {
    }

    static long physicalMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return FALLBACK_MB;
    }
}
