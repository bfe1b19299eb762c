package io.easyfaas.runtime.nodejs.internal;

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

/** Serves the Node.js runtimes with the machine's node and the bootstrap in {@code bootstrap/index.js}. */
@Component(service = RuntimeAdapter.class, immediate = true, configurationPid = "io.easyfaas.runtime.nodejs")
@Designate(ocd = NodejsRuntimeAdapter.Config.class)
public class NodejsRuntimeAdapter implements RuntimeAdapter {

    @ObjectClassDefinition(name = "EasyFaaS Node.js runtime",
            description = "Runs functions of the nodejs10, nodejs12 and nodejs20 runtimes with one node binary.")
    public @interface Config {
        @AttributeDefinition(name = "Interpreter",
                description = "Absolute path of the node binary. Empty: the first of " + DEFAULTS
                        + " that exists. Never looked up on PATH: version-manager shims slow every start.")
        String interpreter() default "";
    }

    static final String DEFAULTS = "/usr/bin/node, /usr/local/bin/node";
    static final String[] DEFAULT_INTERPRETERS = {"/usr/bin/node", "/usr/local/bin/node"};
    static final Set<String> RUNTIME_NAMES = Set.of("nodejs10", "nodejs12", "nodejs20");

    private static final Logger LOG = LoggerFactory.getLogger(NodejsRuntimeAdapter.class);

    private final Path interpreter;
    private final Path bootstrapDirectory;

    /**
     * Throws when there is no interpreter or the bootstrap cannot be unpacked: activation then
     * fails, SCR logs it and no instance of this adapter ever exists, so the engine never gets a
     * Node.js runtime it could not start.
     */
    @Activate
    public NodejsRuntimeAdapter(Config config, BundleContext context) throws IOException {
        String[] candidates = config.interpreter().isBlank() ? DEFAULT_INTERPRETERS : new String[] {config.interpreter()};
        this.interpreter = BootstrapFiles.firstExecutable(candidates).orElseThrow(() -> {
            LOG.error("No node interpreter at {}: Node.js runtimes {} are unavailable",
                    String.join(", ", candidates), RUNTIME_NAMES);
            return new IllegalStateException("no node interpreter at " + String.join(", ", candidates));
        });
        File data = context.getDataFile("runtime");
        if (data == null) {
            throw new IllegalStateException("the framework gives this bundle no data area");
        }
        this.bootstrapDirectory = BootstrapFiles.extract(context.getBundle(), "bootstrap", data.toPath());
        LOG.info("Node.js runtimes {} served by {}", RUNTIME_NAMES, interpreter);
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
            throw new IllegalArgumentException("not a Node.js runtime: " + runtimeName);
        }
        return command(interpreter, bootstrapDirectory);
    }

    /** The command line for {@code interpreter} and a bootstrap directory as the process sees it. */
    static List<String> command(Path interpreter, Path bootstrapDirectory) {
        return List.of(interpreter.toString(), bootstrapDirectory.resolve("index.js").toString());
    }
}
