package io.easyfaas.runtime.python3.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

    /**
     * Throws when there is no interpreter or the bootstrap cannot be unpacked: activation then
     * fails, SCR logs it and no instance of this adapter ever exists, so the engine never gets a
     * Python runtime it could not start.
     */
    @Activate
    public Python3RuntimeAdapter(Config config, BundleContext context) throws IOException {
        super(context, runtimes(interpreter(config.interpreter(), DEFAULT_INTERPRETERS), config.interpreter_directory()));
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

    @Override
    protected List<String> commandLine(Path interpreter, Path bootstrapDirectory) {
        return command(interpreter, bootstrapDirectory);
    }

    /**
     * The command line for {@code interpreter} and a bootstrap directory as the process sees it:
     * isolated ({@code -I}: no PYTHON* variables, user site or script directory on the path) and
     * unbuffered ({@code -u}) so that output reaches the log as it is written.
     */
    static List<String> command(Path interpreter, Path bootstrapDirectory) {
        return List.of(interpreter.toString(), "-I", "-u", bootstrapDirectory.resolve("bootstrap.py").toString());
    }
}
