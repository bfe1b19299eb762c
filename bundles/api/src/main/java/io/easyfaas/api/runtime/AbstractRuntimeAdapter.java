package io.easyfaas.api.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.osgi.framework.BundleContext;

/**
 * The usual way to write a runtime plugin: a {@link RuntimeAdapter} whose bootstrap files live in
 * the plugin bundle under {@code bootstrap/} and whose runtimes each run one interpreter.
 *
 * <p>A subclass is a Declarative Services component registered as {@link RuntimeAdapter}. Its
 * activating constructor picks the interpreters (see {@link #interpreter(String, String...)}),
 * calls this constructor with the runtime names they serve, and implements
 * {@link #commandLine(Path, Path)}:
 *
 * <pre>
 * &#64;Component(service = RuntimeAdapter.class, immediate = true)
 * public class RubyRuntimeAdapter extends AbstractRuntimeAdapter {
 *     &#64;Activate
 *     public RubyRuntimeAdapter(BundleContext context) throws IOException {
 *         super(context, Map.of("ruby3", interpreter("", "/usr/bin/ruby")));
 *     }
 *
 *     &#64;Override
 *     protected List&lt;String&gt; commandLine(Path interpreter, Path bootstrapDirectory) {
 *         return List.of(interpreter.toString(), bootstrapDirectory.resolve("bootstrap.rb").toString());
 *     }
 * }
 * </pre>
 *
 * A constructor that throws makes activation fail: the engine then never sees a runtime it could
 * not start.
 */
public abstract class AbstractRuntimeAdapter implements RuntimeAdapter {

    /** The bundle folder whose files become {@link #bootstrapDirectory()}. */
    public static final String BOOTSTRAP_FOLDER = "bootstrap";

    private final Map<String, Path> interpreters;
    private final Path bootstrapDirectory;

    /**
     * Unpacks the bundle's {@value #BOOTSTRAP_FOLDER} folder into its data area, once per bundle
     * revision (see {@link BootstrapFiles#extract}).
     *
     * @param context the plugin bundle's context
     * @param interpreters each runtime name served, with the interpreter that runs it
     * @throws IOException if the bootstrap files cannot be unpacked
     * @throws IllegalArgumentException if no runtime is named
     * @throws IllegalStateException if the framework gives the bundle no data area
     */
    protected AbstractRuntimeAdapter(BundleContext context, Map<String, Path> interpreters) throws IOException {
        if (interpreters.isEmpty()) {
            throw new IllegalArgumentException("a runtime adapter must serve at least one runtime");
        }
        this.interpreters = Collections.unmodifiableMap(new LinkedHashMap<>(interpreters));
        File data = context.getDataFile("runtime");
        if (data == null) {
            throw new IllegalStateException("the framework gives bundle " + context.getBundle().getSymbolicName()
                    + " no data area");
        }
        this.bootstrapDirectory = BootstrapFiles.extract(context.getBundle(), BOOTSTRAP_FOLDER, data.toPath());
    }

    /**
     * The interpreter to use: {@code configured} if it is not blank, otherwise the first of
     * {@code defaults}; it must be an absolute path to an executable file (see
     * {@link BootstrapFiles#firstExecutable}).
     *
     * @throws IllegalStateException naming the candidates if none is executable
     */
    protected static Path interpreter(String configured, String... defaults) {
        String[] candidates = configured == null || configured.isBlank() ? defaults : new String[] {configured};
        return BootstrapFiles.firstExecutable(candidates).orElseThrow(() -> new IllegalStateException(
                "no interpreter at " + Arrays.stream(candidates).collect(Collectors.joining(", "))));
    }

    @Override
    public final Set<String> runtimeNames() {
        return interpreters.keySet();
    }

    @Override
    public final Path bootstrapDirectory() {
        return bootstrapDirectory;
    }

    /** Each runtime name with its interpreter, in the order given to the constructor. */
    public final Map<String, Path> interpreters() {
        return interpreters;
    }

    @Override
    public final List<String> command(String runtimeName, Path bootstrapDirectory) {
        Path interpreter = interpreters.get(runtimeName);
        if (interpreter == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " does not serve runtime " + runtimeName
                    + "; it serves " + interpreters.keySet());
        }
        return commandLine(interpreter, bootstrapDirectory);
    }

    /**
     * The command line that starts a stem cell with {@code interpreter}.
     *
     * @param bootstrapDirectory where the process sees {@link #bootstrapDirectory()}
     */
    protected abstract List<String> commandLine(Path interpreter, Path bootstrapDirectory);
}
