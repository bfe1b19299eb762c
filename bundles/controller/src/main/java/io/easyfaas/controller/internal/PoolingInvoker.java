package io.easyfaas.controller.internal;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionRegistry;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.invoke.Invoker;
import io.easyfaas.api.pool.PoolMetrics;
import io.easyfaas.api.pool.PoolStatus;
import io.easyfaas.api.pool.SandboxStatus;
import io.easyfaas.api.runtime.RuntimeAdapter;
import io.easyfaas.api.sandbox.SandboxExitedException;
import io.easyfaas.api.sandbox.SandboxManager;
import io.easyfaas.controller.internal.CallMetrics.Retirement;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each call on a sandbox that {@link SandboxPool} picks, enforces the function's timeout,
 * and counts what happened. Nothing here blocks: a call is a chain of completion stages from the
 * HTTP layer to the sandbox channel and back, and waiting calls hold no thread. A configuration
 * change is applied in place ({@link Modified}), so the services this component provides, and the
 * HTTP listener that uses them, stay up.
 */
@Component(service = {Invoker.class, PoolStatus.class}, configurationPid = "io.easyfaas.controller")
@Designate(ocd = PoolingInvoker.Config.class)
public class PoolingInvoker implements Invoker, PoolStatus {
    private static final Logger LOG = LoggerFactory.getLogger(PoolingInvoker.class);

    @ObjectClassDefinition(name = "EasyFaaS controller", description = "Sandbox pool and scheduling")
    public @interface Config {
        @AttributeDefinition(description = "Most sandboxes alive at once on this node, stem cells included")
        int max_sandboxes() default 64;

        @AttributeDefinition(description = "Megabytes the live sandboxes' MemorySize may add up to; 0 means 80% of the physical memory")
        long memory_capacity_mb() default 0;

        @AttributeDefinition(description = "Generic sandboxes kept started per installed runtime, so a first call only loads code; 0 disables")
        int stem_cells_per_runtime() default 1;

        @AttributeDefinition(description = "A stem cell's memory limit in MB, which it counts against the capacity, until it is given a function")
        int stem_cell_memory_mb() default 128;

        @AttributeDefinition(description = "Calls one sandbox runs at once for functions that do not set PodConcurrentQuota; more than 1 suits Node.js")
        int sandbox_concurrent_quota() default 1;

        @AttributeDefinition(description = "Most sandboxes of one function; calls beyond them wait in the function's queue")
        int max_sandboxes_per_function() default 16;

        @AttributeDefinition(description = "Calls of one function that may wait for a sandbox; more get 429")
        int queue_size() default 100;

        @AttributeDefinition(description = "Milliseconds a call waits for a sandbox before it gets 429")
        long queue_max_wait_millis() default 10_000;

        @AttributeDefinition(description = "Seconds a warm sandbox may stay idle before it is destroyed (scale to zero)")
        int idle_timeout_seconds() default 300;

        @AttributeDefinition(description = "Seconds between sweeps for idle, dead and outdated sandboxes and stem cell top-ups")
        int sweep_interval_seconds() default 5;

        @AttributeDefinition(description = "Seconds a sandbox may stay idle (since its last call or health check) before a sweep"
                + " checks that its runtime still answers; 0 turns health checks off")
        int health_check_interval_seconds() default 30;

        @AttributeDefinition(description = "Milliseconds an idle runtime has to answer a health check before it is replaced")
        long health_check_timeout_millis() default 2_000;
    }

    /**
     * How long after a runtime plugin comes or goes the stem cells are topped up: the funclet
     * learns of the plugin from the same service event, and must have done so first.
     */
    private static final long PLUGIN_SETTLE_MILLIS = 100;

    private final FunctionRegistry registry;
    private final ScheduledThreadPoolExecutor timer;
    private final Timeouts timeouts;
    private final CallMetrics metrics = new CallMetrics();
    private final SandboxPool pool;
    private ScheduledFuture<?> sweeping;

    @Activate
    public PoolingInvoker(Config config, @Reference FunctionRegistry registry, @Reference SandboxManager sandboxManager) {
        this.registry = registry;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "easyfaas-controller-timer");
            thread.setDaemon(true);
            return thread;
        });
        // a queued call schedules its deadline and cancels it once it gets a sandbox: drop those at once
        timer.setRemoveOnCancelPolicy(true);
        this.timeouts = new Timeouts(timer);
        this.pool = new SandboxPool(PoolSettings.of(config, NodeMemory.physicalMb()), sandboxManager,
                registry::codeDirectory, name -> registry.get(name).map(SandboxPool::revisionKey).orElse(null), timer, metrics);
        scheduleSweep(config);
    }

    /** A runtime plugin came: start its stem cells now rather than at the next sweep. */
    @Reference(service = RuntimeAdapter.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindRuntimeAdapter(RuntimeAdapter adapter) {
        pool.maintainStemsAfter(PLUGIN_SETTLE_MILLIS);
    }

    /** A runtime plugin went: destroy its stem cells and drain its sandboxes now. */
    void unbindRuntimeAdapter(RuntimeAdapter adapter) {
        pool.retireStems(adapter.runtimeNames());
        pool.maintainStemsAfter(PLUGIN_SETTLE_MILLIS);
    }

    @Modified
    void modified(Config config) {
        pool.update(PoolSettings.of(config, NodeMemory.physicalMb()));
        scheduleSweep(config);
        LOG.info("Controller configuration applied");
    }

    private synchronized void scheduleSweep(Config config) {
        if (sweeping != null) {
            sweeping.cancel(false);
        }
        long interval = Math.max(1, config.sweep_interval_seconds());
        sweeping = timer.scheduleWithFixedDelay(this::sweep, 0, interval, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<InvocationResult> invoke(String functionName, String qualifier, String requestId, byte[] event) {
        if (qualifier != null && !FunctionConfiguration.LATEST.equals(qualifier)) {
            throw FaasException.notFound("Function not found: " + functionName + ":" + qualifier);
        }
        FunctionConfiguration function = registry.get(functionName)
                .orElseThrow(() -> FaasException.notFound("Function not found: " + functionName));
        long startedNanos = System.nanoTime();
        CompletableFuture<SandboxPool.Lease> lease;
        try {
            lease = pool.acquire(function);
        } catch (FaasException e) {
            metrics.record(functionName, outcome(null, e), System.nanoTime() - startedNanos);
            throw e;
        }
        return lease.thenCompose(taken -> call(taken, function, requestId, event, startedNanos))
                .whenComplete((result, failure) -> metrics.record(functionName, outcome(result, failure), System.nanoTime() - startedNanos));
    }

    /**
     * Runs the call on the sandbox slot it holds. On a sandbox started for it, the call goes out
     * behind the function's init, and its timeout starts once the function has loaded; if loading
     * fails, the init's error answers it.
     */
    private CompletionStage<InvocationResult> call(SandboxPool.Lease lease, FunctionConfiguration function, String requestId,
            byte[] event, long startedNanos) {
        PooledSandbox pooled = lease.sandbox();
        long timeoutMillis = function.timeout() * 1000L;
        CompletableFuture<InvocationResult> call;
        try {
            call = pooled.sandbox.invoke(requestId, event, System.currentTimeMillis() + timeoutMillis).toCompletableFuture();
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        if (lease.loading() == null) {
            return timed(pooled, call, function, requestId, startedNanos);
        }
        CompletableFuture<InvocationResult> sent = call;
        return lease.loading().handle((init, failure) -> {
            if (failure == null && !init.isFunctionError()) {
                return timed(pooled, sent, function, requestId, startedNanos);
            }
            // the runtime answers the call with the same error, or is gone: the slot is freed then
            sent.whenComplete((ignored, gone) -> pool.release(pooled, unusable(failure != null ? failure : gone)));
            return CompletableFuture.completedFuture(failure == null ? init : FunctionErrors.fromFailure("init", failure, startedNanos));
        }).thenCompose(answer -> answer);
    }

    /** The call's outcome, or the function's timeout error if it is late; its slot is given back either way. */
    private CompletionStage<InvocationResult> timed(PooledSandbox pooled, CompletableFuture<InvocationResult> call,
            FunctionConfiguration function, String requestId, long startedNanos) {
        return timeouts.withTimeout(call, function.timeout() * 1000L, () -> pool.timedOut(pooled),
                () -> FunctionErrors.timedOut(requestId, function.timeout(), System.nanoTime() - startedNanos))
                .handle((result, failure) -> {
                    if (failure == null) {
                        pool.release(pooled);
                    } else {
                        pool.release(pooled, unusable(failure));
                    }
                    return failure == null ? result : FunctionErrors.fromFailure(requestId, failure, startedNanos);
                });
    }

    /** Why a sandbox whose call or load failed ({@code failure}, if any) is not given another call. */
    private static Retirement unusable(Throwable failure) {
        return FunctionErrors.cause(failure) instanceof SandboxExitedException ? Retirement.DIED : Retirement.FAILED;
    }

    private static CallMetrics.Outcome outcome(InvocationResult result, Throwable failure) {
        if (failure != null) {
            return FunctionErrors.cause(failure) instanceof FaasException faas && faas.errorCode() == ErrorCode.TOO_MANY_REQUESTS
                    ? CallMetrics.Outcome.THROTTLED : CallMetrics.Outcome.FAILED;
        }
        if (FunctionErrors.TIMED_OUT.equals(result.errorType())) {
            return CallMetrics.Outcome.TIMEOUT;
        }
        return result.isFunctionError() ? CallMetrics.Outcome.ERROR : CallMetrics.Outcome.SUCCESS;
    }

    private void sweep() {
        try {
            pool.sweep();
        } catch (RuntimeException e) {
            LOG.error("Sweeping sandboxes failed", e);
        }
    }

    @Override
    public List<SandboxStatus> sandboxes() {
        return pool.status();
    }

    @Override
    public PoolMetrics metrics() {
        Map<String, Integer> byState = new TreeMap<>();
        for (String state : List.of("stem", "warming", "warm", "busy", "cooling", "dead")) {
            byState.put(state, 0);
        }
        for (SandboxStatus sandbox : pool.status()) {
            byState.merge(sandbox.state(), 1, Integer::sum);
        }
        return metrics.snapshot(pool.queueDepth(), byState);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(5, TimeUnit.SECONDS); // a sweep under way ends before the pool closes
        pool.close();
    }
}
