package io.easyfaas.registry.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.function.FunctionRegistry;
import io.easyfaas.api.runtime.RuntimeAdapter;

/**
 * The function registry service: a thin OSGi shell over {@link FunctionStore}, which keeps its
 * files under {@code <data.dir>/registry/}. Runtime names are validated against the
 * {@link RuntimeAdapter} services installed at the time of the write, and the adapter of a
 * function's runtime prepares the code package it brings.
 */
@Component(service = FunctionRegistry.class, configurationPid = "io.easyfaas.registry")
@Designate(ocd = FileFunctionRegistry.Config.class)
public class FileFunctionRegistry implements FunctionRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(FileFunctionRegistry.class);

    @ObjectClassDefinition(name = "EasyFaaS function registry",
            description = "The embedded file store of functions and their code packages.")
    public @interface Config {
        @AttributeDefinition(name = "Data directory",
                description = "The engine's data directory; the registry keeps its files in its 'registry' subdirectory.")
        String data_dir() default "data";

        @AttributeDefinition(name = "Maximum zipped code size", description = "Bytes; larger uploads are refused with 413.")
        long max_code_zipped_bytes() default FunctionStore.DEFAULT_MAX_ZIPPED_BYTES;

        @AttributeDefinition(name = "Maximum unzipped code size",
                description = "Bytes actually inflated; larger packages are refused with 413.")
        long max_code_unzipped_bytes() default FunctionStore.DEFAULT_MAX_UNZIPPED_BYTES;
    }

    /** Runtime names per adapter, read once when the adapter is bound. */
    private final Map<RuntimeAdapter, Set<String>> adapters = new ConcurrentHashMap<>();
    private final FunctionStore store;

    @Activate
    public FileFunctionRegistry(Config config) {
        Path root = Path.of(config.data_dir()).resolve("registry");
        try {
            store = FunctionStore.open(root, config.max_code_zipped_bytes(), config.max_code_unzipped_bytes(),
                    this::installedRuntimes, this::prepareCode);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the function registry at " + root.toAbsolutePath(), e);
        }
    }

    @Reference(name = "runtime", service = RuntimeAdapter.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "unbindRuntime")
    void bindRuntime(RuntimeAdapter adapter) {
        Set<String> names = Set.copyOf(adapter.runtimeNames());
        adapters.put(adapter, names);
        LOG.info("Runtimes available: {}", names);
    }

    void unbindRuntime(RuntimeAdapter adapter) {
        Set<String> names = adapters.remove(adapter);
        LOG.info("Runtimes withdrawn: {}", names);
    }

    /** The names of the installed runtimes, sorted. */
    Set<String> installedRuntimes() {
        Set<String> names = new TreeSet<>();
        adapters.values().forEach(names::addAll);
        return Collections.unmodifiableSet(names);
    }

    /** Has each adapter serving {@code runtime} prepare a newly unpacked package. */
    void prepareCode(String runtime, Path codeDirectory) {
        adapters.forEach((adapter, names) -> {
            if (names.contains(runtime)) {
                adapter.prepareCode(runtime, codeDirectory);
            }
        });
    }

    @Override
    public FunctionConfiguration create(FunctionDefinition definition, byte[] zip) {
        return store.create(definition, zip);
    }

    @Override
    public FunctionConfiguration createOrReplace(FunctionDefinition definition, byte[] zip) {
        return store.createOrReplace(definition, zip);
    }

    @Override
    public FunctionConfiguration updateCode(String functionName, byte[] zip) {
        return store.updateCode(functionName, zip);
    }

    @Override
    public FunctionConfiguration updateConfiguration(String functionName, FunctionDefinition changes) {
        return store.updateConfiguration(functionName, changes);
    }

    @Override
    public Optional<FunctionConfiguration> get(String functionName) {
        return store.get(functionName);
    }

    @Override
    public List<FunctionConfiguration> list() {
        return store.list();
    }

    @Override
    public void delete(String functionName) {
        store.delete(functionName);
    }

    @Override
    public Path codeDirectory(FunctionConfiguration function) {
        return store.codeDirectory(function);
    }
}
