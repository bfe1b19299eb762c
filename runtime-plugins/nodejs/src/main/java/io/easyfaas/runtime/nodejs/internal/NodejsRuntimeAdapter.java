package io.easyfaas.runtime.nodejs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
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
 * Serves the Node.js runtimes with the machine's node and the bootstrap in
 * {@code bootstrap/index.js}: {@code nodejs10}, {@code nodejs12}, {@code nodejs20}, and
 * {@code nodejsNN} for the major version of that node.
 */
@Component(service = RuntimeAdapter.class, immediate = true, configurationPid = "io.easyfaas.runtime.nodejs")
@Designate(ocd = NodejsRuntimeAdapter.Config.class)
public class NodejsRuntimeAdapter extends AbstractRuntimeAdapter {

    @ObjectClassDefinition(name = "EasyFaaS Node.js runtime",
            description = "Runs functions of the nodejs10, nodejs12 and nodejs20 runtimes, and of the node found, with one node binary.")
    public @interface Config {
        @AttributeDefinition(name = "Interpreter",
                description = "Absolute path of the node binary. Empty: the first of " + DEFAULTS
                        + " that exists. Never looked up on PATH: version-manager shims slow every start.")
        String interpreter() default "";
    }

    static final String DEFAULTS = "/usr/bin/node, /usr/local/bin/node";
    static final String[] DEFAULT_INTERPRETERS = {"/usr/bin/node", "/usr/local/bin/node"};
    static final List<String> COMPATIBLE_RUNTIMES = List.of("nodejs10", "nodejs12", "nodejs20");

    private static final Logger LOG = LoggerFactory.getLogger(NodejsRuntimeAdapter.class);
    private static final Pattern VERSION = Pattern.compile("v(\\d+)\\.\\d+\\.\\d+\\s*");

    /**
     * Throws when there is no interpreter or the bootstrap cannot be unpacked: activation then
     * fails, SCR logs it and no instance of this adapter ever exists, so the engine never gets a
     * Node.js runtime it could not start.
     */
    @Activate
    public NodejsRuntimeAdapter(Config config, BundleContext context) throws IOException {
        super(context, runtimes(interpreter(config.interpreter(), DEFAULT_INTERPRETERS)));
        LOG.info("Node.js runtimes {} served by {}", runtimeNames(), interpreters().values().iterator().next());
    }

    /** The compatible runtime names, plus {@code nodejsNN} for the major version {@code node} reports. */
    static Map<String, Path> runtimes(Path node) {
        Map<String, Path> runtimes = new LinkedHashMap<>();
        COMPATIBLE_RUNTIMES.forEach(name -> runtimes.put(name, node));
        majorVersion(node).ifPresent(major -> runtimes.put("nodejs" + major, node));
        return runtimes;
    }

    /** Runs {@code node --version} with an empty environment; empty if it does not answer a version. */
    static Optional<Integer> majorVersion(Path node) {
        ProcessBuilder builder = new ProcessBuilder(node.toString(), "--version").redirectErrorStream(true);
        builder.environment().clear(); // NODE_OPTIONS or extra CA certificates would only slow it down
        try {
            Process process = builder.start();
            String out;
            try (var in = process.getInputStream()) {
                out = new String(in.readNBytes(256), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.empty();
            }
            Matcher m = VERSION.matcher(out);
            return m.matches() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
        } catch (IOException e) {
            LOG.warn("Could not ask {} for its version: {}", node, e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    protected List<String> commandLine(Path interpreter, Path bootstrapDirectory) {
        return command(interpreter, bootstrapDirectory);
    }

    /**
     * The bootstrap reads the connection it is handed with blocking {@code fs} reads until its
     * first call has been read: loading {@code net} and connecting cost Node's start about 5 ms.
     */
    static final boolean TAKES_CONNECTION = true;

    @Override
    public boolean takesConnectionDescriptor() {
        return TAKES_CONNECTION;
    }

    /** The command line for {@code interpreter} and a bootstrap directory as the process sees it. */
    static List<String> command(Path interpreter, Path bootstrapDirectory) {
        return List.of(interpreter.toString(), bootstrapDirectory.resolve("index.js").toString());
    }
}
