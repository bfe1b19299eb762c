package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory figures of a plain process, from {@code /proc}. */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Peak resident memory (VmHWM) of {@code pid} in bytes; 0 when it is gone or unreadable. */
    static long peakResidentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring("VmHWM:".length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024; // the kernel reports kB
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone already
        }
        return 0;
    }
}
