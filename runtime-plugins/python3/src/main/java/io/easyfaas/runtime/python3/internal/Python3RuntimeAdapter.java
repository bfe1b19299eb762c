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
    private static final long SITE_PROBE_SECONDS = 10;

    /** Each interpreter's sys.path as {@code site} makes it; empty where that could not be learned. */
    private final Map<Path, Optional<List<String>>> siteDirectories = new HashMap<>();

    /**
     * Throws when there is no interpreter or the bootstrap cannot be unpacked: activation then
     * fails, SCR logs it and no instance of this adapter ever exists, so the engine never gets a
     * Python runtime it could not start.
     */
    @Activate
    public Python3RuntimeAdapter(Config config, BundleContext context) throws IOException {
        super(context, runtimes(interpreter(config.interpreter(), DEFAULT_INTERPRETERS), config.interpreter_directory()));
        for (Path interpreter : interpreters().values()) {
            siteDirectories.put(interpreter, siteDirectories(interpreter));
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
     * The interpreter's {@code sys.path} once {@code site} has run in isolated mode: the standard
     * library and the system's package directories, with those the host's .pth files add. Empty
     * if the interpreter could not tell within {@value #SITE_PROBE_SECONDS} seconds.
     */
    static Optional<List<String>> siteDirectories(Path interpreter) {
        try {
            ProcessBuilder builder = new ProcessBuilder(interpreter.toString(), "-I", "-c",
                    "import sys; sys.stdout.write('\\0'.join(sys.path))")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().clear(); // as sandboxes start
            Process probe = builder.start();
            byte[] out = probe.getInputStream().readAllBytes();
            if (!probe.waitFor(SITE_PROBE_SECONDS, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                probe.destroyForcibly();
                LOG.warn("{} did not tell its site directories; its sandboxes run site at every start", interpreter);
                return Optional.empty();
            }
            return Optional.of(List.of(new String(out, StandardCharsets.UTF_8).split("\0")));
        } catch (IOException e) {
            LOG.warn("Cannot ask {} for its site directories ({}); its sandboxes run site at every start", interpreter, e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    protected List<String> commandLine(Path interpreter, Path bootstrapDirectory) {
        return command(interpreter, siteDirectories.get(interpreter), bootstrapDirectory);
    }

    /**
     * The command line for {@code interpreter} and a bootstrap directory as the process sees it:
     * isolated ({@code -I}: no PYTHON* variables, user site or script directory on the path) and
     * unbuffered ({@code -u}) so that output reaches the log as it is written. Given the
     * interpreter's site directories, it skips {@code site} ({@code -S}) and the bootstrap puts
     * them on the path itself: running site, with the host's .pth files and sitecustomize, costs
     * every start several milliseconds.
     */
    static List<String> command(Path interpreter, Optional<List<String>> siteDirectories, Path bootstrapDirectory) {
        List<String> command = new ArrayList<>(List.of(interpreter.toString(), "-I"));
        siteDirectories.ifPresent(directories -> command.add("-S"));
        command.add("-u");
        command.add(bootstrapDirectory.resolve("bootstrap.py").toString());
        siteDirectories.ifPresent(command::addAll);
        return List.copyOf(command);
    }
}
