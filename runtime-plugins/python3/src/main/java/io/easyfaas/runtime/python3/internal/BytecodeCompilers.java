package io.easyfaas.runtime.python3.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles code packages to bytecode with Python processes started ahead, one per interpreter
 * binary, as stem cells are: starting Python and importing {@code compileall} take 32 of the 36
 * ms a small package's compile takes in a new process here, and a deploy then finds that done
 * (3 ms left, 1.5 ms of it the compiler's first use, made ahead too). Each process
 * compiles one package, then ends; the next one starts as it is taken. One left unused ends by
 * itself after a while, so an engine that deploys nothing keeps no compiler running.
 */
final class BytecodeCompilers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BytecodeCompilers.class);

    /** Exit status of a compiler that was never given a package. */
    static final int UNUSED = 3;
    /** A deploy waits this long at most for its package's bytecode; what is not compiled by then compiles at import. */
    private static final long COMPILE_SECONDS = 120;
    private static final long ADDRESS_SPACE_BYTES = 1L << 30;

    /**
     * Sets CPython's compiler up (its first use costs 1.5-2 ms), waits for a package directory on
     * stdin (the whole input), compiles every module under it, replacing any bytecode the package
     * brought, and fails if one does not compile. It ends with {@code os._exit}: the files it
     * wrote are closed, and the interpreter's finalisation would hold the deploy up 5 ms more. Not
     * {@code python -m compileall}: its options parser costs 13 ms more. It runs on the host,
     * outside any cgroup, so its address space is capped: a source built to make the compiler
     * swell fails to compile instead.
     */
    private static final String COMPILER = String.join("\n",
            "import compileall, os, py_compile, resource, select, sys",
            "resource.setrlimit(resource.RLIMIT_AS, (%d, %d))".formatted(ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES),
            "compile('pass', '<warm-up>', 'exec')",
            "if not select.select([sys.stdin], [], [], float(sys.argv[1]))[0]:",
            "    os._exit(%d)".formatted(UNUSED),
            "directory = os.fsdecode(sys.stdin.buffer.read())",
            "if not directory:",
            "    os._exit(%d)".formatted(UNUSED),
            "os._exit(0 if compileall.compile_dir(directory, force=True, quiet=2,",
            "                                     invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH) else 1)");

    private final long idleSeconds;
    private final Map<Path, Process> ready = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param idleSeconds how long a compiler started ahead waits for a package before it ends */
    BytecodeCompilers(long idleSeconds) {
        this.idleSeconds = idleSeconds;
    }

    /**
     * Compiles the modules under {@code directory} with {@code binary}, then starts the compiler
     * of the next deploy (not before: its start would compete with this compile for the CPUs).
     * Failures are logged: the modules not compiled compile at every cold start.
     */
    void compile(Path binary, Path directory) {
        Process ahead = ready.remove(binary);
        try {
            int status = ahead == null ? UNUSED : run(ahead, directory);
            if (status == UNUSED) { // none was ready, or it had ended unused: a new one compiles
                Process fresh = start(binary);
                if (fresh == null) {
                    return;
                }
                status = run(fresh, directory);
            }
            if (status != 0) {
                LOG.info("Some Python files of {} do not compile; importing them tells why", directory);
            }
            startAhead(binary);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands {@code compiler} the directory and waits for it; killed past the deadline or when interrupted. */
    private int run(Process compiler, Path directory) throws InterruptedException {
        try (OutputStream in = compiler.getOutputStream()) {
            in.write(directory.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // it ended before it read: its exit status says so
        }
        try {
            if (!compiler.waitFor(COMPILE_SECONDS, TimeUnit.SECONDS)) {
                compiler.destroyForcibly().waitFor();
                LOG.warn("Compiling {} took over {} s; the modules it did not compile compile at every cold start",
                        directory, COMPILE_SECONDS);
                return 0;
            }
            return compiler.exitValue();
        } catch (InterruptedException e) {
            compiler.destroyForcibly(); // nothing may write into the package once it is published
            throw e;
        }
    }

    private void startAhead(Path binary) {
        if (closed) {
            return;
        }
        Process next = start(binary);
        if (next != null) {
            Process replaced = ready.put(binary, next);
            if (replaced != null) {
                replaced.destroy();
            }
            if (closed) { // closed meanwhile
                close();
            }
        }
    }

    private Process start(Path binary) {
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "-I", "-S", "-c", COMPILER, Long.toString(idleSeconds))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        try {
            return builder.start();
        } catch (IOException e) {
            LOG.warn("Cannot run {} to compile packages ({}); their modules compile at every cold start", binary, e.getMessage());
            return null;
        }
    }

    /** Ends the compilers started ahead. */
    @Override
    public void close() {
        closed = true;
        ready.values().removeIf(compiler -> {
            compiler.destroy();
            return true;
        });
    }
}
