package io.easyfaas.controller.internal.async;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionRegistry;
import io.easyfaas.api.invoke.AsyncInvocation;
import io.easyfaas.api.invoke.AsyncInvoker;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.invoke.Invoker;
import io.easyfaas.controller.internal.FunctionErrors;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event invocations: each is stored durably before it is acknowledged, run through the
 * {@link Invoker} like any call, retried with exponential backoff when it fails, and its record
 * kept for a retention time. Pending ones are resumed when the engine starts again. Disk writes
 * and retries run on this component's one thread, never on the caller's or the sandbox channel's.
 */
@Component(service = AsyncInvoker.class, configurationPid = "io.easyfaas.controller")
public class AsyncInvocations implements AsyncInvoker {
    private static final Logger LOG = LoggerFactory.getLogger(AsyncInvocations.class);
    /** A request id names a file: no separators, no dots. */
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    /** Longest wait between two tries of an event the engine refused to run. */
    private static final long MAX_REFUSAL_BACKOFF_MILLIS = 30_000;

    /** Keys of the controller's configuration (the metatype is PoolingInvoker's: one per PID). */
    public @interface Config {
        /** Engine data directory; event invocations are kept in data.dir/async/ (read at start). */
        String data_dir() default "data";

        /** Times a failed event invocation is run again. */
        int async_max_retries() default 2;

        /** Milliseconds before the first retry; each further retry waits twice as long. */
        long async_retry_base_delay_millis() default 1000;

        /**
         * Seconds an event may keep waiting while the engine refuses to run it (429, runtime not
         * installed yet, engine error); such refusals do not use up retries.
         */
        long async_max_event_age_seconds() default 21_600;

        /** Seconds a finished event invocation's record stays queryable. */
        long async_retention_seconds() default 86_400;
    }

    private final Invoker invoker;
    private final FunctionRegistry registry;
    private final InvocationStore store;
    private final Map<String, StoredInvocation> invocations = new ConcurrentHashMap<>();
    private final ScheduledExecutorService worker;
    private ScheduledFuture<?> pruning;
    private volatile Config config;

    @Activate
    public AsyncInvocations(Config config, @Reference Invoker invoker, @Reference FunctionRegistry registry) throws IOException {
        this.config = config;
        this.invoker = invoker;
        this.registry = registry;
        this.store = new InvocationStore(Path.of(config.data_dir()).resolve("async"));
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "easyfaas-async");
            thread.setDaemon(true);
            return thread;
        });
        for (StoredInvocation stored : store.loadAll()) {
            invocations.put(stored.requestId(), stored);
            if (!stored.toApi().isFinished()) {
                worker.execute(() -> attempt(stored.requestId()));
            }
        }
        schedulePruning();
    }

    @Modified
    void modified(Config newConfig) {
        this.config = newConfig;
        schedulePruning();
    }

    /** Prunes at a period that fits the retention, which a configuration change may shorten. */
    private synchronized void schedulePruning() {
        if (pruning != null) {
            pruning.cancel(false);
        }
        long prunePeriod = Math.max(1, Math.min(60, config.async_retention_seconds()));
        pruning = worker.scheduleWithFixedDelay(this::prune, prunePeriod, prunePeriod, TimeUnit.SECONDS);
    }

    @Override
    public AsyncInvocation submit(String functionName, String qualifier, String requestId, byte[] event) {
        if (qualifier != null && !FunctionConfiguration.LATEST.equals(qualifier)) {
            throw FaasException.notFound("Function not found: " + functionName + ":" + qualifier);
        }
        registry.get(functionName).orElseThrow(() -> FaasException.notFound("Function not found: " + functionName));
        if (!REQUEST_ID.matcher(requestId).matches()) {
            throw FaasException.invalid("An event invocation's request id must match " + REQUEST_ID.pattern());
        }
        StoredInvocation queued = new StoredInvocation(requestId, functionName, qualifier, event, AsyncInvocation.QUEUED, 0,
                System.currentTimeMillis(), 0, null, null);
        if (invocations.putIfAbsent(requestId, queued) != null) {
            throw new FaasException(ErrorCode.RESOURCE_CONFLICT, "Request id " + requestId + " was already used");
        }
        try {
            store.write(queued);
        } catch (IOException e) {
            invocations.remove(requestId);
            throw new FaasException(ErrorCode.SERVICE, "The event could not be stored: " + e.getMessage(), e);
        }
        worker.execute(() -> attempt(requestId));
        return queued.toApi();
    }

    @Override
    public Optional<AsyncInvocation> status(String requestId) {
        return Optional.ofNullable(invocations.get(requestId)).map(StoredInvocation::toApi);
    }

    /** Runs one attempt; on the worker thread. */
    private void attempt(String requestId) {
        StoredInvocation queued = invocations.get(requestId);
        if (queued == null || queued.toApi().isFinished()) {
            return;
        }
        if (queued.attempts() > config.async_max_retries()) {
            // the engine stopped during the last allowed attempt
            finish(queued, AsyncInvocation.FAILED, null, "Runtime.ExitError");
            return;
        }
        StoredInvocation running = queued.withStatus(AsyncInvocation.RUNNING, queued.attempts() + 1);
        if (!save(running)) {
            return;
        }
        try {
            invoker.invoke(running.functionName(), running.qualifier(), requestId, running.event())
                    .whenCompleteAsync((result, failure) -> attempted(running, result, failure), worker);
        } catch (RuntimeException e) {
            attempted(running, null, e);
        }
    }

    private void attempted(StoredInvocation running, InvocationResult result, Throwable failure) {
        if (failure == null && !result.isFunctionError()) {
            finish(running, AsyncInvocation.SUCCEEDED, result.payload(), null);
            return;
        }
        Throwable cause = FunctionErrors.cause(failure);
        FaasException refusal = cause == null ? null : cause instanceof FaasException faas ? faas
                : new FaasException(ErrorCode.SERVICE, String.valueOf(cause.getMessage()));
        byte[] payload = refusal == null ? result.payload() : errorDocument(refusal);
        String errorType = refusal == null ? result.errorType() : refusal.errorCode().code();
        long now = System.currentTimeMillis();
        if (refusal != null && refusal.errorCode() != ErrorCode.RESOURCE_NOT_FOUND) {
            // the function did not run: wait for the engine without using up a retry
            if (now - running.submittedEpochMillis() > TimeUnit.SECONDS.toMillis(config.async_max_event_age_seconds())) {
                finish(running, AsyncInvocation.FAILED, payload, errorType);
            } else {
                retryLater(running.withStatus(AsyncInvocation.RUNNING, running.attempts() - 1)
                        .withOutcome(AsyncInvocation.QUEUED, payload, errorType, now), MAX_REFUSAL_BACKOFF_MILLIS);
            }
            return;
        }
        if (refusal != null || running.attempts() > config.async_max_retries()) {
            finish(running, AsyncInvocation.FAILED, payload, errorType);
            return;
        }
        retryLater(running.withOutcome(AsyncInvocation.QUEUED, payload, errorType, now), Long.MAX_VALUE);
    }

    /** Stores the call as queued again and runs it after a backoff that doubles per attempt. */
    private void retryLater(StoredInvocation queued, long maxDelayMillis) {
        if (save(queued)) {
            long delay = Math.min(maxDelayMillis, config.async_retry_base_delay_millis() << Math.min(20, Math.max(0, queued.attempts() - 1)));
            worker.schedule(() -> attempt(queued.requestId()), delay, TimeUnit.MILLISECONDS);
        }
    }

    private void finish(StoredInvocation invocation, String status, byte[] payload, String errorType) {
        save(invocation.withOutcome(status, payload, errorType, System.currentTimeMillis()));
    }

    private static byte[] errorDocument(FaasException refusal) {
        String message = refusal.getMessage() == null ? "" : refusal.getMessage().replace("\\", "\\\\").replace("\"", "\\\"");
        return ("{\"errorType\":\"" + refusal.errorCode().code() + "\",\"errorMessage\":\"" + message + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Stores the new version first, then shows it; false (and logged) if the disk refused. */
    private boolean save(StoredInvocation invocation) {
        try {
            store.write(invocation);
            invocations.put(invocation.requestId(), invocation);
            return true;
        } catch (IOException e) {
            LOG.error("Event invocation {} could not be stored; it stays {} and is retried at the next start",
                    invocation.requestId(), invocations.get(invocation.requestId()).status(), e);
            return false;
        }
    }

    /** Forgets finished records older than the retention. */
    private void prune() {
        long oldest = System.currentTimeMillis() - TimeUnit.SECONDS.toMillis(config.async_retention_seconds());
        for (StoredInvocation invocation : invocations.values()) {
            if (invocation.toApi().isFinished() && invocation.finishedEpochMillis() < oldest) {
                try {
                    store.delete(invocation.requestId());
                    invocations.remove(invocation.requestId(), invocation);
                } catch (IOException e) {
                    LOG.warn("Could not prune event invocation {}: {}", invocation.requestId(), e.getMessage());
                }
            }
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS); // its tasks only start calls and write records: they end promptly
    }
}
