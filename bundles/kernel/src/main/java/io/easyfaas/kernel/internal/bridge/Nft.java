package io.easyfaas.kernel.internal.bridge;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.easyfaas.api.kernel.KernelException;

/**
 * The host's {@code nft} binary, which writes netfilter rules (nf_tables) for bridge mode: the
 * only part of EasyFaaS that runs a host tool, as rtnetlink does not reach netfilter.
 */
public final class Nft {
    private static final List<Path> CANDIDATES = List.of(Path.of("/usr/sbin/nft"), Path.of("/sbin/nft"), Path.of("/usr/bin/nft"));

    private final Path binary;

    private Nft(Path binary) {
        this.binary = binary;
    }

    /** The installed nft, if any. */
    public static Optional<Nft> find() {
        return CANDIDATES.stream().filter(Files::isExecutable).findFirst().map(Nft::new);
    }

    /** Whether this kernel accepts an egress NAT rule; checked by the kernel without applying anything. */
    public boolean natSupported() {
        try {
            run(List.of("--check", "-f", "-"), BridgeRules.nat("easyfaas_probe", "easyfaas0", "10.88.0.0/16"));
            return true;
        } catch (KernelException e) {
            return false;
        }
    }

    /** Applies {@code script} atomically (nft -f is one transaction). */
    void apply(String script) {
        run(List.of("-f", "-"), script);
    }

    private void run(List<String> arguments, String script) {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(arguments);
        try {
            Process nft = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream stdin = nft.getOutputStream()) {
                stdin.write(script.getBytes(StandardCharsets.UTF_8));
            }
            if (!nft.waitFor(10, TimeUnit.SECONDS)) {
                nft.destroyForcibly();
                throw new KernelException(binary + " did not finish within 10 s", 0);
            }
            String output = new String(nft.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (nft.exitValue() != 0) {
                throw new KernelException(binary + " " + String.join(" ", arguments) + " failed: " + output, 0);
            }
        } catch (IOException e) {
            throw new KernelException("running " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException("interrupted while running " + binary, e);
        }
    }
}
