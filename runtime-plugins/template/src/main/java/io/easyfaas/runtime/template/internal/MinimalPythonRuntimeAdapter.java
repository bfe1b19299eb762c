package io.easyfaas.runtime.template.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
 * The template plugin: serves {@code python3-minimal} with the one-file bootstrap in
 * {@code bootstrap/minimal.py}, which answers one call at a time. Everything a plugin needs is
 * here: a DS component registered as {@link RuntimeAdapter}, the runtime names with their
 * interpreter, and the command line.
 */
@Component(service = RuntimeAdapter.class, immediate = true, configurationPid = MinimalPythonRuntimeAdapter.PID)
@Designate(ocd = MinimalPythonRuntimeAdapter.Config.class)
public class MinimalPythonRuntimeAdapter extends AbstractRuntimeAdapter {

    /** Configuration PID: {@code config/io.easyfaas.runtime.template.cfg} sets the interpreter. */
    static final String PID = "io.easyfaas.runtime.template";
    static final String RUNTIME = "python3-minimal";
    static final String[] DEFAULT_INTERPRETERS = {"/usr/bin/python3", "/usr/local/bin/python3"};

    @ObjectClassDefinition(name = "EasyFaaS python3-minimal runtime (template)",
            description = "Runs python3-minimal functions with a one-file bootstrap.")
    public @interface Config {
        @AttributeDefinition(name = "Interpreter",
                description = "Absolute path of python3. Empty: /usr/bin/python3, then /usr/local/bin/python3.")
        String interpreter() default "";
    }

    private static final Logger LOG = LoggerFactory.getLogger(MinimalPythonRuntimeAdapter.class);

    /** Throwing here fails activation: no adapter is registered, so the runtime is never offered. */
    @Activate
    public MinimalPythonRuntimeAdapter(Config config, BundleContext context) throws IOException {
        super(context, Map.of(RUNTIME, interpreter(config.interpreter(), DEFAULT_INTERPRETERS)));
        LOG.info("Runtime {} served by {}", RUNTIME, interpreters().get(RUNTIME));
    }

    /** Isolated ({@code -I}) and unbuffered ({@code -u}), so that prints reach the log at once. */
    @Override
    protected List<String> commandLine(Path interpreter, Path bootstrapDirectory) {
        return List.of(interpreter.toString(), "-I", "-u", bootstrapDirectory.resolve("minimal.py").toString());
    }
}
