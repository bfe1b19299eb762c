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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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

        @AttributeDefinition(description = "How long a sandbox request waits for a runtime that is not installed, in "
                + "milliseconds: a plugin being replaced has no adapter between the old revision's stop and the new one's start")
        long runtime_wait_millis() default 5_000;
    }

    private final Config config;
    private final SandboxDirectories directories;
    private final ChannelReactor reactor;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, RuntimeAdapter> adapters = new ConcurrentHashMap<>();
    private final Set<ProcessSandbox> live = ConcurrentHashMap.newKeySet();
    /** Completed, and replaced, whenever an adapter is bound or the funclet stops: wakes requests waiting for a runtime. */
    private final AtomicReference<CompletableFuture<Void>> adapterBound = new AtomicReference<>(new CompletableFuture<>());
    private volatile boolean closed;

    @Activate
    public ProcessSandboxManager(Config config) throws IOException {
        this.config = config;
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
        adapterBound.getAndSet(new CompletableFuture<>()).complete(null);
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
        return create(runtime, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.runtime_wait_millis()));
    }

    /** Starts a sandbox with the runtime's adapter, waiting until {@code deadlineNanos} for one to be bound. */
    private CompletionStage<Sandbox> create(String runtime, long deadlineNanos) {
        CompletableFuture<Void> nextBind = adapterBound.get(); // taken before the lookup: no bind is missed
        RuntimeAdapter adapter = adapters.get(runtime);
        if (adapter != null) {
            return start(runtime, adapter);
        }
        long leftNanos = deadlineNanos - System.nanoTime();
        if (closed || leftNanos <= 0) {
            return CompletableFuture.failedFuture(FaasException.invalid(
                    "Runtime " + runtime + " is not installed; installed runtimes: " + runtimes()));
        }
        // the continuation runs off the binding thread: starting a process must not hold up SCR
        return nextBind.copy().completeOnTimeout(null, leftNanos, TimeUnit.NANOSECONDS)
                .thenComposeAsync(bound -> create(runtime, deadlineNanos));
    }

    private CompletionStage<Sandbox> start(String runtime, RuntimeAdapter adapter) {
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        ProcessSandbox sandbox = new ProcessSandbox(id, runtime, directories, json, live::remove);
        live.add(sandbox);
        return sandbox.start(adapter.command(runtime, adapter.bootstrapDirectory()), reactor,
                config.max_frame_bytes(), config.start_timeout_millis());
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        closed = true;
        adapterBound.get().complete(null);
        for (ProcessSandbox sandbox : live.toArray(ProcessSandbox[]::new)) {
            sandbox.destroy();
        }
        reactor.close();
    }
}
