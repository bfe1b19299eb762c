package io.easyfaas.runtime.python3.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.easyfaas.api.runtime.BootstrapFiles;
import io.easyfaas.api.runtime.RuntimeAdapter;

/** Serves the python3 runtime with the system python3 and the bootstrap in {@code bootstrap/bootstrap.py}. */
@Component(service = RuntimeAdapter.class, immediate = true, configurationPid = "io.easyfaas.runtime.python3")
@Designate(ocd = Python3RuntimeAdapter.Config.class)
public class Python3RuntimeAdapter implements RuntimeAdapter {

    @ObjectClassDefinition(name = "EasyFaaS Python runtime",
            description = "Runs functions of the python3 runtime with one python3 binary.")
    public @interface Config {
        @AttributeDefinition(name = "Interpreter",
                description = "Absolute path of the python3 binary. Empty: the first of " + DEFAULTS
                        + " that exists. Never looked up on PATH: shims such as pyenv's cost ~100 ms per start.")
        String interpreter() default "";
    }

    static final String DEFAULTS = "/usr/bin/python3, /usr/local/bin/python3";
    static final String[] DEFAULT_INTERPRETERS = {"/usr/bin/python3", "/usr/local/bin/python3"};
    static final Set<String> RUNTIME_NAMES = Set.of("python3");

    private static final Logger LOG = LoggerFactory.getLogger(Python3RuntimeAdapter.class);

    private final Path interpreter;
    private final Path bootstrapDirectory;

    /**
     * Throws when there is no interpreter or the bootstrap cannot be unpacked: activation then
     * fails, SCR logs it and no instance of this adapter ever exists, so the engine never gets a
     * Python runtime it could not start.
     */
    @Activate
    public Python3RuntimeAdapter(Config config, BundleContext context) throws IOException {
        String[] candidates = config.interpreter().isBlank() ? DEFAULT_INTERPRETERS : new String[] {config.interpreter()};
        this.interpreter = BootstrapFiles.firstExecutable(candidates).orElseThrow(() -> {
            LOG.error("No python3 interpreter at {}: Python runtimes {} are unavailable",
                    String.join(", ", candidates), RUNTIME_NAMES);
            return new IllegalStateException("no python3 interpreter at " + String.join(", ", candidates));
        });
        File data = context.getDataFile("runtime");
        if (data == null) {
            throw new IllegalStateException("the framework gives this bundle no data area");
        }
        this.bootstrapDirectory = BootstrapFiles.extract(context.getBundle(), "bootstrap", data.toPath());
        LOG.info("Python runtimes {} served by {}", RUNTIME_NAMES, interpreter);
    }

    @Override
    public Set<String> runtimeNames() {
        return RUNTIME_NAMES;
    }

    @Override
    public Path bootstrapDirectory() {
        return bootstrapDirectory;
    }

    @Override
    public List<String> command(String runtimeName, Path bootstrapDirectory) {
        if (!RUNTIME_NAMES.contains(runtimeName)) {
            throw new IllegalArgumentException("not a Python runtime: " + runtimeName);
        }
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
