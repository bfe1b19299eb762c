package io.easyfaas.runtime.python3.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.easyfaas.api.runtime.AbstractRuntimeAdapter;
import io.easyfaas.api.runtime.RuntimeAdapter;

/**
 * Serves {@code python3} with the system python3, and {@code python3.X} with each versioned
 * interpreter of the interpreter directory, all with the bootstrap in {@code bootstrap/bootstrap.py}.
 */
@Component(service = RuntimeAdapter.class, immediate = true, configurationPid = "io.easyfaas.runtime.python3")
@Designate(ocd = Python3RuntimeAdapter.Config.class)
public class Python3RuntimeAdapter extends AbstractRuntimeAdapter {

    @ObjectClassDefinition(name = "EasyFaaS Python runtime",
            description = "Runs functions of the python3 runtime, and of python3.X for each interpreter found.")
    public @interface Config {
        @AttributeDefinition(name = "Interpreter",
                description = "Absolute path of the python3 binary. Empty: the first of " + DEFAULTS
                        + " that exists. Never looked up on PATH: shims such as pyenv's cost ~100 ms per start.")
        String interpreter() default "";

        @AttributeDefinition(name = "Interpreter directory",
                description = "Where python3.X interpreters are looked for; only native executables count, not shim scripts. Empty: none.")
        String interpreter_directory() default "/usr/bin";
    }

    static final String DEFAULTS = "/usr/bin/python3, /usr/local/bin/python3";
    static final String[] DEFAULT_INTERPRETERS = {"/usr/bin/python3", "/usr/local/bin/python3"};
    static final String RUNTIME = "python3";

    private static final Logger LOG = LoggerFactory.getLogger(Python3RuntimeAdapter.class);
    private static final Pattern VERSIONED = Pattern.compile("python3\\.\\d+");
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};
    private static final long PREPARE_SECONDS = 10;
    /** How long a compiler started ahead for the next deploy waits for it. */
    private static final long COMPILER_IDLE_SECONDS = 60;

    /** What each interpreter prepared for its sandboxes; empty where it could not. */
    private final Map<Path, Optional<Prepared>> prepared = new HashMap<>();
    private final BytecodeCompilers compilers = new BytecodeCompilers(COMPILER_IDLE_SECONDS);

    /**
     * Throws when there is no interpreter or the bootstrap cannot be unpacked: activation then
     * fails, SCR logs it and no instance of this adapter ever exists, so the engine never gets a
     * Python runtime it could not start.
     */
    @Activate
    public Python3RuntimeAdapter(Config config, BundleContext context) throws IOException {
        super(context, runtimes(interpreter(config.interpreter(), DEFAULT_INTERPRETERS), config.interpreter_directory()));
        // all at once, and once per binary: python3 and python3.X are often the same file
        Map<Path, Optional<Process>> running = new HashMap<>();
        for (Path interpreter : interpreters().values()) {
            running.computeIfAbsent(binary(interpreter), binary -> startPreparing(interpreter, bootstrapDirectory()));
        }
        Map<Path, Optional<Prepared>> told = new HashMap<>();
        for (Path interpreter : interpreters().values()) {
            prepared.put(interpreter, told.computeIfAbsent(binary(interpreter), binary -> prepared(interpreter, running.get(binary))));
        }
        LOG.info("Python runtimes {} served by {}", runtimeNames(), interpreters());
    }

    static Map<String, Path> runtimes(Path python3, String interpreterDirectory) throws IOException {
        Map<String, Path> runtimes = new LinkedHashMap<>();
        runtimes.put(RUNTIME, python3);
        if (!interpreterDirectory.isBlank()) {
            runtimes.putAll(versionedInterpreters(Path.of(interpreterDirectory.strip())));
        }
        return runtimes;
    }

    /**
     * {@code python3.X} for each file of that name in {@code directory} that is an executable
     * native binary (after following links), ordered by minor version. Wrapper scripts such as
     * pyenv's shims are left out: each would cost a shell and a lookup on every sandbox start.
     */
    static Map<String, Path> versionedInterpreters(Path directory) throws IOException {
        Map<String, Path> found = new TreeMap<>(Comparator.comparingInt(name -> Integer.parseInt(name.substring("python3.".length()))));
        if (!Files.isDirectory(directory)) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (VERSIONED.matcher(name).matches() && Files.isRegularFile(entry) && Files.isExecutable(entry)
                        && isNativeExecutable(entry)) {
                    found.put(name, entry);
                }
            }
        }
        return found;
    }

    private static boolean isNativeExecutable(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(ELF_MAGIC.length), ELF_MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What an interpreter tells once, at activation, so that its sandboxes start faster: its
     * {@code sys.path} once {@code site} has run in isolated mode (the standard library and the
     * system's package directories, with those the host's .pth files add), and the bootstrap
     * compiled by it into {@code bootstrapFile} of the bootstrap directory.
     */
    record Prepared(List<String> sysPath, String bootstrapFile) {
    }

    /** Run by each interpreter: compiles the bootstrap next to it, names the file, then writes sys.path. */
    private static final String PREPARE = String.join("\n",
            "import os, py_compile, sys",
            "name = 'bootstrap.%s.pyc' % sys.implementation.cache_tag",
            "py_compile.compile(os.path.join(sys.argv[1], 'bootstrap.py'), os.path.join(sys.argv[1], name), doraise=True)",
            "sys.stdout.write('\\0'.join([name] + sys.path))");

    /**
     * Has {@code interpreter} compile the bootstrap in {@code bootstrapDirectory} (a host
     * directory the adapter owns) and tell its {@code sys.path}; empty if it could not within
     * {@value #PREPARE_SECONDS} seconds, and its sandboxes then start as plain {@code python3 -I}.
     */
    static Optional<Prepared> prepare(Path interpreter, Path bootstrapDirectory) {
        return prepared(interpreter, startPreparing(interpreter, bootstrapDirectory));
    }

    private static Optional<Process> startPreparing(Path interpreter, Path bootstrapDirectory) {
        ProcessBuilder builder = new ProcessBuilder(interpreter.toString(), "-I", "-c", PREPARE, bootstrapDirectory.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().clear(); // as sandboxes start
        try {
            return Optional.of(builder.start());
        } catch (IOException e) {
            LOG.warn("Cannot run {} ({}); its sandboxes compile the bootstrap and run site at every start", interpreter, e.getMessage());
            return Optional.empty();
        }
    }

    /** What {@code probe} told once it has ended; its output is a few hundred bytes, which a pipe holds. */
    private static Optional<Prepared> prepared(Path interpreter, Optional<Process> probe) {
        if (probe.isEmpty()) {
            return Optional.empty();
        }
        Process process = probe.get();
        try {
            if (!process.waitFor(PREPARE_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                LOG.warn("{} could not compile the bootstrap or tell its sys.path; its sandboxes compile it and run site at every start",
                        interpreter);
                return Optional.empty();
            }
            List<String> told = List.of(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\0"));
            return Optional.of(new Prepared(told.subList(1, told.size()), told.get(0)));
        } catch (IOException e) {
            LOG.warn("Cannot read what {} told ({}); its sandboxes compile the bootstrap and run site at every start", interpreter,
                    e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Path binary(Path interpreter) {
        try {
            return interpreter.toRealPath();
        } catch (IOException e) {
            return interpreter;
        }
    }

    /**
     * The bootstrap takes the connection it is handed: the engine, which accepts it before the
     * runtime starts, has the init written by the time the bootstrap reads, instead of about
     * 0.7 ms after its connect.
     */
    static final boolean TAKES_CONNECTION = true;

    @Override
    public boolean takesConnectionDescriptor() {
        return TAKES_CONNECTION;
    }

    /**
     * Compiles the package's Python files with the binary its sandboxes run, so that no cold start
     * compiles its modules: 1-2 ms for a one-line handler here, 45 ms for 34 modules of the standard
     * library's {@code email} and {@code http} packages, more for larger ones. The compiler parses
     * the code and never runs it. The bytecode is never checked against its source
     * ({@code unchecked-hash}), since a deployed package never changes; a file that does not
     * compile is left to fail at import, where the user is told why.
     */
    @Override
    public void prepareCode(String runtimeName, Path codeDirectory) {
        Path interpreter = interpreters().get(runtimeName);
        if (interpreter != null) {
            compilers.compile(binary(interpreter), codeDirectory);
        }
    }

    @Deactivate
    void deactivate() {
        compilers.close();
    }

    /** Runs the binary the interpreter links to: {@code python3} and {@code python3.X} of one binary then start alike and share stem cells. */
    @Override
    protected List<String> commandLine(Path interpreter, Path bootstrapDirectory) {
        return command(binary(interpreter), prepared.get(interpreter), bootstrapDirectory);
    }

    /**
     * The command line for {@code interpreter} and a bootstrap directory as the process sees it:
     * isolated ({@code -I}: no PYTHON* variables, user site or script directory on the path) and
     * unbuffered ({@code -u}) so that output reaches the log as it is written. Prepared, it runs
     * the compiled bootstrap (Python compiles a script given as source at every start: 5 ms for
     * this one) and skips {@code site} ({@code -S}; with the host's .pth files and sitecustomize
     * it costs every start several milliseconds), giving the bootstrap the path to set instead.
     */
    static List<String> command(Path interpreter, Optional<Prepared> prepared, Path bootstrapDirectory) {
        if (prepared.isEmpty()) {
            return List.of(interpreter.toString(), "-I", "-u", bootstrapDirectory.resolve("bootstrap.py").toString());
        }
        List<String> command = new ArrayList<>(List.of(interpreter.toString(), "-I", "-S", "-u",
                bootstrapDirectory.resolve(prepared.get().bootstrapFile()).toString()));
        command.addAll(prepared.get().sysPath());
        return List.copyOf(command);
    }
}
