package io.easyfaas.controller.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionRegistry;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.invoke.Invoker;
import io.easyfaas.api.sandbox.Sandbox;
import io.easyfaas.api.sandbox.SandboxExitedException;
import io.easyfaas.api.sandbox.SandboxManager;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each call on a warm sandbox of the function's current revision, or on a new one
 * specialised for it; enforces the function's timeout; destroys sandboxes that time out, crash,
 * belong to an outdated revision or stay idle too long. Nothing here blocks: a call is a chain of
 * completion stages from the HTTP layer to the sandbox channel and back.
 */
@Component(service = Invoker.class, configurationPid = "io.easyfaas.controller")
@Designate(ocd = PoolingInvoker.Config.class)
public class PoolingInvoker implements Invoker {
    private static final Logger LOG = LoggerFactory.getLogger(PoolingInvoker.class);

    @ObjectClassDefinition(name = "EasyFaaS controller", description = "Sandbox pool and scheduling")
    public @interface Config {
        @AttributeDefinition(description = "Most sandboxes alive at once on this node; calls beyond them get 429")
        int max_sandboxes() default 64;

        @AttributeDefinition(description = "Seconds a warm sandbox may stay idle before it is destroyed (scale to zero)")
        int idle_timeout_seconds() default 300;

        @AttributeDefinition(description = "Seconds between sweeps for idle and outdated sandboxes")
        int sweep_interval_seconds() default 5;
    }

    private final FunctionRegistry registry;
    private final SandboxManager sandboxManager;
    private final SandboxPool pool;
    private final long idleTimeoutNanos;
    private final ScheduledExecutorService timer;

    @Activate
    public PoolingInvoker(Config config, @Reference FunctionRegistry registry, @Reference SandboxManager sandboxManager) {
        this.registry = registry;
        this.sandboxManager = sandboxManager;
        this.pool = new SandboxPool(config.max_sandboxes());
        this.idleTimeoutNanos = TimeUnit.SECONDS.toNanos(config.idle_timeout_seconds());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "easyfaas-controller-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::sweep, config.sweep_interval_seconds(), config.sweep_interval_seconds(), TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<InvocationResult> invoke(String functionName, String qualifier, String requestId, byte[] event) {
        if (qualifier != null && !FunctionConfiguration.LATEST.equals(qualifier)) {
            throw FaasException.notFound("Function not found: " + functionName + ":" + qualifier);
        }
        FunctionConfiguration function = registry.get(functionName)
                .orElseThrow(() -> FaasException.notFound("Function not found: " + functionName));
        long startedNanos = System.nanoTime();
        long deadlineMillis = System.currentTimeMillis() + function.timeout() * 1000L;
        String key = revisionKey(function);
        WarmSandbox warm = pool.takeIdle(key);
        if (warm != null) {
            return call(warm, function, requestId, event, deadlineMillis, startedNanos);
        }
        return coldStart(function, key).thenCompose(started -> {
            if (started.failure != null) {
                return CompletableFuture.completedFuture(started.failure);
            }
            return call(started.warm, function, requestId, event, deadlineMillis, startedNanos);
        });
    }

    /** A new sandbox specialised for the function, or the function error that its loading raised. */
    private record ColdStart(WarmSandbox warm, InvocationResult failure) {
    }

    private CompletionStage<ColdStart> coldStart(FunctionConfiguration function, String key) {
        if (!pool.reserve()) {
            WarmSandbox evicted = pool.takeAnyIdle();
            if (evicted == null) {
                throw new FaasException(ErrorCode.TOO_MANY_REQUESTS,
                        "Rate exceeded: all " + pool.size() + " sandboxes of this node are busy");
            }
            evicted.sandbox.destroy();
            if (!pool.reserve()) {
                throw new FaasException(ErrorCode.TOO_MANY_REQUESTS,
                        "Rate exceeded: all " + pool.size() + " sandboxes of this node are busy");
            }
        }
        long started = System.nanoTime();
        return sandboxManager.create(function.runtime())
                .whenComplete((sandbox, failure) -> {
                    if (failure != null) {
                        pool.cancelReservation();
                    }
                })
                .thenCompose(sandbox -> {
                    WarmSandbox warm = new WarmSandbox(sandbox, key);
                    sandbox.exited().thenRun(() -> pool.gone(warm));
                    return withTimeout(sandbox.initialize(function, registry.codeDirectory(function)).toCompletableFuture(),
                            function.timeout() * 1000L, sandbox, () -> FunctionErrors.error("Runtime.InitTimeout", "Function " + function.functionName()
                                        + " did not load within " + function.timeout() + " seconds", System.nanoTime() - started))
                            .handle((init, failure) -> {
                                if (failure != null) {
                                    sandbox.destroy();
                                    return new ColdStart(null, exitedResult("init", failure, started));
                                }
                                if (init.isFunctionError()) {
                                    sandbox.destroy();
                                    return new ColdStart(null, init);
                                }
                                return new ColdStart(warm, null);
                            });
                });
    }

    private CompletionStage<InvocationResult> call(WarmSandbox warm, FunctionConfiguration function, String requestId,
            byte[] event, long deadlineMillis, long startedNanos) {
        long remainingMillis = Math.max(1, deadlineMillis - System.currentTimeMillis());
        CompletableFuture<InvocationResult> call = warm.sandbox.invoke(requestId, event, deadlineMillis).toCompletableFuture();
        return withTimeout(call, remainingMillis, warm.sandbox,
                () -> FunctionErrors.timedOut(requestId, function.timeout(), System.nanoTime() - startedNanos)).handle((result, failure) -> {
            if (failure != null) {
                warm.sandbox.destroy();
                return exitedResult(requestId, failure, startedNanos);
            }
            release(warm, function);
            return result;
        });
    }

    /**
     * Completes with the stage's outcome, or, if it is late, with {@code onTimeout}'s result; the
     * sandbox that was late is then reset, since its runtime may still be busy with the call.
     */
    private CompletableFuture<InvocationResult> withTimeout(CompletableFuture<InvocationResult> stage, long timeoutMillis,
            Sandbox sandbox, Supplier<InvocationResult> onTimeout) {
        CompletableFuture<InvocationResult> outcome = new CompletableFuture<>();
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> timeout = timer.schedule(() -> {
            if (late.compareAndSet(false, true)) {
                // reset first: the call it abandons fails, and that failure must not win
                sandbox.destroy();
                outcome.complete(onTimeout.get());
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        stage.whenComplete((result, failure) -> {
            if (!late.compareAndSet(false, true)) {
                return;
            }
            timeout.cancel(false);
            if (failure == null) {
                outcome.complete(result);
            } else {
                outcome.completeExceptionally(failure);
            }
        });
        return outcome;
    }

    private static InvocationResult exitedResult(String requestId, Throwable failure, long startedNanos) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof FaasException faas) {
            throw faas;
        }
        if (!(cause instanceof SandboxExitedException exit)) {
            LOG.error("Call {} failed inside the engine", requestId, cause);
            throw new FaasException(ErrorCode.SERVICE, "The engine failed to run the call: " + cause.getMessage(), cause);
        }
        return FunctionErrors.runtimeExited(requestId, exit, System.nanoTime() - startedNanos);
    }

    /** Back to the pool if it still serves the current revision; destroyed otherwise. */
    private void release(WarmSandbox warm, FunctionConfiguration function) {
        boolean current = registry.get(function.functionName())
                .map(latest -> revisionKey(latest).equals(warm.revisionKey))
                .orElse(false);
        if (current && warm.sandbox.isAlive()) {
            pool.putIdle(warm);
        } else {
            warm.sandbox.destroy();
        }
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            for (WarmSandbox warm : pool.takeIdleMatching(w -> now - w.idleSinceNanos > idleTimeoutNanos || !isCurrent(w))) {
                warm.sandbox.destroy();
            }
        } catch (RuntimeException e) {
            LOG.error("Sweeping idle sandboxes failed", e);
        }
    }

    private boolean isCurrent(WarmSandbox warm) {
        String name = warm.revisionKey.substring(0, warm.revisionKey.indexOf('/'));
        return registry.get(name).map(f -> revisionKey(f).equals(warm.revisionKey)).orElse(false);
    }

    private static String revisionKey(FunctionConfiguration function) {
        return function.functionName() + "/" + function.revisionId() + "/" + function.codeSha256();
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        for (WarmSandbox warm : pool.takeIdleMatching(w -> true)) {
            warm.sandbox.destroy();
        }
    }
}
