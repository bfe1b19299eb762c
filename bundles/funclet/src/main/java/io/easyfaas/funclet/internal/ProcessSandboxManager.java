package io.easyfaas.funclet.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.runtime.RuntimeAdapter;
import io.easyfaas.api.sandbox.Sandbox;
import io.easyfaas.api.sandbox.SandboxManager;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The funclet: starts sandboxes for the runtimes that installed plugins provide. */
@Component(service = SandboxManager.class, configurationPid = "io.easyfaas.funclet")
@Designate(ocd = ProcessSandboxManager.Config.class)
public class ProcessSandboxManager implements SandboxManager {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessSandboxManager.class);

    @ObjectClassDefinition(name = "EasyFaaS funclet", description = "How sandboxes are started")
    public @interface Config {
        @AttributeDefinition(description = "Engine data directory; sandboxes keep work files, logs and sockets below it")
        String data_dir() default "data";

        @AttributeDefinition(description = "How long a runtime may take to start and connect, in milliseconds")
        long start_timeout_millis() default 10_000;

        @AttributeDefinition(description = "Largest frame a runtime may send (header plus payload), in bytes")
        int max_frame_bytes() default 16 * 1024 * 1024;
    }

    private final Config config;
    private final FunctionLogStore logs;
    private final SandboxDirectories directories;
    private final ChannelReactor reactor;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, RuntimeAdapter> adapters = new ConcurrentHashMap<>();
    private final Set<ProcessSandbox> live = ConcurrentHashMap.newKeySet();

    @Activate
    public ProcessSandboxManager(Config config, @Reference FunctionLogStore logs) throws IOException {
        this.config = config;
        this.logs = logs;
        directories = new SandboxDirectories(Path.of(config.data_dir()));
        directories.reclaim();
        reactor = new ChannelReactor("easyfaas-sandbox-channels");
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindRuntimeAdapter(RuntimeAdapter adapter) {
        for (String name : adapter.runtimeNames()) {
            adapters.put(name, adapter);
        }
        LOG.info("Runtimes available: {}", runtimes());
    }

    void unbindRuntimeAdapter(RuntimeAdapter adapter) {
        adapters.values().removeIf(a -> a == adapter);
        LOG.info("Runtimes available: {}", runtimes());
    }

    @Override
    public Set<String> runtimes() {
        return new TreeSet<>(adapters.keySet());
    }

    @Override
    public CompletionStage<Sandbox> create(String runtime) {
        RuntimeAdapter adapter = adapters.get(runtime);
        if (adapter == null) {
            return CompletableFuture.failedFuture(FaasException.invalid(
                    "Runtime " + runtime + " is not installed; installed runtimes: " + runtimes()));
        }
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        ProcessSandbox sandbox = new ProcessSandbox(id, runtime, directories, json, live::remove, logs);
        live.add(sandbox);
        return sandbox.start(adapter.command(runtime, adapter.bootstrapDirectory()), reactor,
                config.max_frame_bytes(), config.start_timeout_millis());
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        for (ProcessSandbox sandbox : live.toArray(ProcessSandbox[]::new)) {
            sandbox.destroy();
        }
        reactor.close();
    }
}
