package io.easyfaas.controller.internal;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.pool.SandboxStatus;
import io.easyfaas.api.sandbox.Sandbox;
import io.easyfaas.api.sandbox.SandboxManager;
import io.easyfaas.controller.internal.CallMetrics.Retirement;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which sandbox serves each call. Sandboxes are counted against the node's limits
 * (number and memory) from the moment a start is decided to the moment they are gone.
 *
 * <p>A call takes a slot on a warm sandbox of its revision (up to the function's
 * PodConcurrentQuota, else the engine's sandbox concurrency); if there is none, it starts one,
 * from a ready stem cell of its runtime when there is one (only the code is loaded then), else
 * from scratch; past the function's sandbox limit it waits in a bounded FIFO queue until a slot
 * frees or its wait runs out (429). When the node is full, idle sandboxes of other functions are
 * evicted; if that is not enough the call gets 429 at once.
 *
 * <p>All state is guarded by one lock held only for bookkeeping: sandboxes are started,
 * destroyed and futures completed after it is released, so no callback runs under it.
 */
final class SandboxPool {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxPool.class);

    /**
     * A sandbox slot given to one call.
     *
     * @param loading for the call a new sandbox was started for, its function's loading (the
     *     init's answer, or {@code Runtime.InitTimeout} past the function's timeout), which the
     *     call's own timeout waits for; {@code null} for a slot on a ready sandbox
     */
    record Lease(PooledSandbox sandbox, CompletableFuture<InvocationResult> loading) {
    }

    /** A call waiting for a slot; its timer answers 429 when the wait runs out. */
    private static final class Waiter {
        final FunctionConfiguration function;
        final CompletableFuture<Lease> lease = new CompletableFuture<>();
        ScheduledFuture<?> expiry;

        Waiter(FunctionConfiguration function) {
            this.function = function;
        }
    }

    /** The sandboxes and waiting calls of one function revision. */
    private static final class Revision {
        final String key;
        final String functionName;
        /** The function's PodConcurrentQuota; a new configuration is a new revision, so it never changes here. */
        final Integer podConcurrentQuota;
        final List<PooledSandbox> sandboxes = new ArrayList<>();
        final Deque<Waiter> waiters = new ArrayDeque<>();
        int starting;
        /** No longer the function's current revision: no new sandboxes, idle ones go. */
        boolean draining;

        Revision(String key, FunctionConfiguration function) {
            this.key = key;
            this.functionName = function.functionName();
            this.podConcurrentQuota = function.podConcurrentQuota();
        }

        /** The busiest sandbox that still has a free slot, so the others can cool down. */
        PooledSandbox freeSlot(PoolSettings limits) {
            // a function's own quota wins over the engine's default; 0 means one call at a time
            int concurrency = podConcurrentQuota == null ? limits.sandboxConcurrency() : Math.max(1, podConcurrentQuota);
            PooledSandbox best = null;
            for (PooledSandbox candidate : sandboxes) {
                if (candidate.canTakeCall(concurrency) && (best == null || candidate.inFlight > best.inFlight
                        || candidate.inFlight == best.inFlight && candidate.idleSinceNanos > best.idleSinceNanos)) {
                    best = candidate;
                }
            }
            return best;
        }

        boolean isEmpty() {
            return sandboxes.isEmpty() && starting == 0 && waiters.isEmpty();
        }
    }

    /** What a decided cold start uses: a stem cell taken for it, or none (start a runtime). */
    private record ColdStart(Revision revision, FunctionConfiguration function, PooledSandbox stem) {
    }

    private final SandboxManager sandboxManager;
    private final Function<FunctionConfiguration, Path> codeDirectory;
    /** A function's current revision key in the registry, {@code null} once it is deleted. */
    private final Function<String, String> currentKey;
    private final ScheduledExecutorService timer;
    private final Timeouts timeouts;
    private final CallMetrics metrics;
    private volatile PoolSettings settings;

    private final Object lock = new Object();
    private final Map<String, Revision> revisions = new HashMap<>();
    /** The revision key each function was last called with. */
    private final Map<String, String> currentKeys = new HashMap<>();
    private final Map<String, Deque<PooledSandbox>> stems = new HashMap<>();
    private final Map<String, Integer> stemsStarting = new HashMap<>();
    /** Counts the plugin revisions each runtime has lost: a stem cell started under an older one runs a replaced bootstrap. */
    private final Map<String, Integer> stemGenerations = new HashMap<>();
    private final Set<PooledSandbox> all = new LinkedHashSet<>();
    private int sandboxCount;
    private long reservedMemoryMb;
    private boolean closed;

    SandboxPool(PoolSettings settings, SandboxManager sandboxManager, Function<FunctionConfiguration, Path> codeDirectory,
            Function<String, String> currentKey, ScheduledExecutorService timer, CallMetrics metrics) {
        this.settings = settings;
        this.sandboxManager = sandboxManager;
        this.codeDirectory = codeDirectory;
        this.currentKey = currentKey;
        this.timer = timer;
        this.timeouts = new Timeouts(timer);
        this.metrics = metrics;
    }

    void update(PoolSettings newSettings) {
        this.settings = newSettings;
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            for (Revision revision : revisions.values()) {
                pump(revision, after);
            }
        }
        after.forEach(Runnable::run);
    }

    static String revisionKey(FunctionConfiguration function) {
        return function.functionName() + "/" + function.revisionId() + "/" + function.codeSha256();
    }

    /**
     * A slot for one call of the function's current revision. Throws (or completes
     * exceptionally with) {@code TooManyRequestsException} when the node is full or the
     * function's queue is full or the wait ran out.
     */
    CompletableFuture<Lease> acquire(FunctionConfiguration function) {
        PoolSettings limits = settings;
        String key = revisionKey(function);
        List<Runnable> after = new ArrayList<>();
        CompletableFuture<Lease> lease;
        try {
            synchronized (lock) {
                if (closed) {
                    throw new FaasException(ErrorCode.SERVICE, "The engine is stopping");
                }
                Revision revision = revisions.computeIfAbsent(key, k -> new Revision(k, function));
                String previous = currentKeys.get(function.functionName());
                if (!key.equals(previous)) {
                    if (key.equals(currentKey.apply(function.functionName()))) {
                        currentKeys.put(function.functionName(), key);
                        revision.draining = false;
                        if (previous != null) {
                            drain(previous, after);
                        }
                    } else {
                        // read just before a redeploy: served, but its sandbox goes after the call
                        revision.draining = true;
                    }
                }
                PooledSandbox free = revision.waiters.isEmpty() ? revision.freeSlot(limits) : null;
                if (free != null) {
                    free.inFlight++;
                    return CompletableFuture.completedFuture(new Lease(free, null));
                }
                if (revision.sandboxes.size() + revision.starting < limits.maxSandboxesPerFunction()) {
                    ColdStart start = planColdStart(revision, function, after);
                    if (start == null) {
                        throw new FaasException(ErrorCode.TOO_MANY_REQUESTS, "Rate exceeded: the node's "
                                + limits.maxSandboxes() + " sandboxes and " + limits.memoryCapacityMb() + " MB are in use");
                    }
                    lease = new CompletableFuture<>();
                    CompletableFuture<Lease> forThisCall = lease;
                    after.add(() -> coldStart(start, forThisCall));
                } else {
                    if (revision.waiters.size() >= limits.queueSize()) {
                        throw new FaasException(ErrorCode.TOO_MANY_REQUESTS, "Rate exceeded: " + function.functionName()
                                + " runs on all its " + limits.maxSandboxesPerFunction() + " sandboxes and "
                                + revision.waiters.size() + " calls are waiting");
                    }
                    Waiter waiter = new Waiter(function);
                    revision.waiters.addLast(waiter);
                    lease = waiter.lease;
                    after.add(() -> waiter.expiry = timer.schedule(() -> expire(revision, waiter),
                            limits.queueMaxWaitMillis(), TimeUnit.MILLISECONDS));
                }
            }
        } finally {
            after.forEach(Runnable::run);
        }
        return lease;
    }

    /** Gives the slot of a call the sandbox answered back; a dead sandbox, or an outdated idle one, goes. */
    void release(PooledSandbox pooled) {
        release(pooled, null);
    }

    /**
     * Gives a call's slot back.
     *
     * @param unusable why the call left the sandbox unable to serve another, {@code null} if it did not
     */
    void release(PooledSandbox pooled, Retirement unusable) {
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            pooled.inFlight--;
            pooled.callsServed++;
            if (pooled.replaceStemAfterFirstCall) {
                pooled.replaceStemAfterFirstCall = false;
                after.add(this::refillLater);
            }
            if (pooled.inFlight == 0) {
                pooled.idleSinceNanos = System.nanoTime();
            }
            Revision revision = revisions.get(pooled.revisionKey);
            if (unusable != null) {
                retire(pooled, unusable, after);
            } else if (!pooled.sandbox.isAlive()) {
                retire(pooled, Retirement.DIED, after);
            } else if (pooled.inFlight == 0 && pooled.phase == PooledSandbox.Phase.DRAINING) {
                retire(pooled, Retirement.OUTDATED, after);
            }
            if (revision != null) {
                pump(revision, after);
                if (pooled.inFlight == 0 && revision.draining) {
                    retire(pooled, Retirement.OUTDATED, after);
                }
                forgetIfDone(revision);
            }
        }
        after.forEach(Runnable::run);
    }

    /** Serves waiting calls from free slots, then starts sandboxes for those still waiting. */
    private void pump(Revision revision, List<Runnable> after) {
        PoolSettings limits = settings;
        while (!revision.waiters.isEmpty()) {
            PooledSandbox free = revision.freeSlot(limits);
            if (free != null) {
                Waiter waiter = revision.waiters.pollFirst();
                free.inFlight++;
                after.add(() -> {
                    cancel(waiter);
                    waiter.lease.complete(new Lease(free, null));
                });
                continue;
            }
            if (revision.draining || revision.sandboxes.size() + revision.starting >= limits.maxSandboxesPerFunction()) {
                return;
            }
            Waiter waiter = revision.waiters.peekFirst();
            ColdStart start = planColdStart(revision, waiter.function, after);
            if (start == null) {
                return;
            }
            revision.waiters.pollFirst();
            after.add(() -> {
                cancel(waiter);
                coldStart(start, waiter.lease);
            });
        }
    }

    private static void cancel(Waiter waiter) {
        ScheduledFuture<?> expiry = waiter.expiry;
        if (expiry != null) {
            expiry.cancel(false);
        }
    }

    private void expire(Revision revision, Waiter waiter) {
        boolean expired;
        synchronized (lock) {
            expired = revision.waiters.remove(waiter);
            forgetIfDone(revision);
        }
        if (expired) {
            waiter.lease.completeExceptionally(new FaasException(ErrorCode.TOO_MANY_REQUESTS, "Rate exceeded: "
                    + waiter.function.functionName() + " found no free sandbox within " + settings.queueMaxWaitMillis() + " ms"));
        }
    }

    /**
     * Reserves room for a new sandbox of the revision, taking a stem cell of its runtime if one
     * is ready; {@code null} when the node has no room even after evicting idle sandboxes.
     */
    private ColdStart planColdStart(Revision revision, FunctionConfiguration function, List<Runnable> after) {
        // a host-network function needs a sandbox made without its own network namespace
        PooledSandbox stem = FunctionDefinition.NETWORK_HOST.equals(function.network()) ? null
                : takeStem(sandboxManager.stemCellRuntime(function.runtime()));
        int memoryDelta = function.memorySize() - (stem == null ? 0 : stem.memoryMb);
        if (!admit(memoryDelta, stem == null ? 1 : 0, revision.key, true, after)) {
            if (stem != null) {
                stems.get(stem.sandbox.runtime()).addFirst(stem);
            }
            return null;
        }
        revision.starting++;
        if (stem != null) {
            stem.specialise(function, revision.key);
            stem.replaceStemAfterFirstCall = true;
        }
        return new ColdStart(revision, function, stem);
    }

    private PooledSandbox takeStem(String stemCellRuntime) {
        Deque<PooledSandbox> ready = stems.get(stemCellRuntime);
        PooledSandbox stem;
        while (ready != null && (stem = ready.pollFirst()) != null) {
            if (stem.sandbox.isAlive() && !stem.detached) {
                return stem;
            }
        }
        return null;
    }

    /**
     * Counts {@code slots} more sandboxes and {@code memoryMb} more memory in, evicting the
     * longest idle sandboxes of other revisions (warm ones first, then stem cells) if allowed.
     */
    private boolean admit(long memoryMb, int slots, String forKey, boolean evict, List<Runnable> after) {
        PoolSettings limits = settings;
        while (sandboxCount + slots > limits.maxSandboxes() || reservedMemoryMb + memoryMb > limits.memoryCapacityMb()) {
            PooledSandbox victim = evict ? longestIdleElsewhere(forKey) : null;
            if (victim == null) {
                return false;
            }
            retire(victim, Retirement.EVICTED, after);
        }
        sandboxCount += slots;
        reservedMemoryMb += memoryMb;
        return true;
    }

    private PooledSandbox longestIdleElsewhere(String forKey) {
        PooledSandbox victim = null;
        for (PooledSandbox candidate : all) {
            boolean idleWarm = candidate.phase == PooledSandbox.Phase.ACTIVE && candidate.inFlight == 0
                    && !candidate.revisionKey.equals(forKey);
            if (idleWarm && (victim == null || candidate.idleSinceNanos < victim.idleSinceNanos)) {
                victim = candidate;
            }
        }
        if (victim == null) {
            for (Deque<PooledSandbox> ready : stems.values()) {
                if (!ready.isEmpty()) {
                    return ready.peekLast();
                }
            }
        }
        return victim;
    }

    /** Starts (or specialises a stem cell into) a sandbox for the call waiting on {@code lease}. */
    private void coldStart(ColdStart start, CompletableFuture<Lease> lease) {
        FunctionConfiguration function = start.function();
        if (start.stem() != null) {
            load(start, start.stem(), lease, true);
            return;
        }
        CompletionStage<Sandbox> created;
        try {
            created = sandboxManager.create(function, codeDirectory.apply(function));
        } catch (RuntimeException e) {
            created = CompletableFuture.failedFuture(e);
        }
        created.whenComplete((sandbox, failure) -> {
            if (failure != null) {
                List<Runnable> after = new ArrayList<>();
                synchronized (lock) {
                    sandboxCount--;
                    reservedMemoryMb -= function.memorySize();
                    start.revision().starting--;
                    pump(start.revision(), after);
                    forgetIfDone(start.revision());
                }
                after.forEach(Runnable::run);
                lease.completeExceptionally(failure);
                return;
            }
            PooledSandbox pooled = new PooledSandbox(sandbox, PooledSandbox.Phase.WARMING, function.memorySize());
            pooled.specialise(function, start.revision().key);
            synchronized (lock) {
                all.add(pooled);
            }
            sandbox.exited().thenRun(() -> exited(pooled));
            load(start, pooled, lease, false);
        });
    }

    /**
     * Has the sandbox load the function and gives it to the call at once: the call's invoke goes
     * out right behind the init instead of a round trip later, and the lease says when the
     * function has loaded. A sandbox whose function fails to load goes once its call is released.
     */
    private void load(ColdStart start, PooledSandbox pooled, CompletableFuture<Lease> lease, boolean fromStem) {
        FunctionConfiguration function = start.function();
        CompletableFuture<InvocationResult> init;
        try {
            init = pooled.sandbox.initialize(function, codeDirectory.apply(function)).toCompletableFuture();
        } catch (RuntimeException e) {
            init = CompletableFuture.failedFuture(e);
        }
        if (init.isCompletedExceptionally()) { // refused outright: no call goes to it
            init.whenComplete((result, failure) -> {
                loaded(start, pooled, fromStem, null, failure);
                lease.completeExceptionally(failure);
            });
            return;
        }
        long startedNanos = System.nanoTime();
        CompletableFuture<InvocationResult> loading = timeouts.withTimeout(init, function.timeout() * 1000L, () -> timedOut(pooled),
                () -> FunctionErrors.error("Runtime.InitTimeout", "Function " + function.functionName()
                        + " did not load within " + function.timeout() + " seconds", System.nanoTime() - startedNanos));
        synchronized (lock) {
            pooled.inFlight = 1;
        }
        // before the call starts, so that the sandbox is ready in the pool by the time its answer is
        loading.whenComplete((result, failure) -> loaded(start, pooled, fromStem, result, failure));
        lease.complete(new Lease(pooled, loading));
    }

    private void loaded(ColdStart start, PooledSandbox pooled, boolean fromStem, InvocationResult result, Throwable failure) {
        boolean ready = failure == null && !result.isFunctionError() && pooled.sandbox.isAlive();
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            Revision revision = start.revision();
            revision.starting--;
            if (ready && !closed && !pooled.detached) {
                pooled.phase = PooledSandbox.Phase.ACTIVE;
                revision.sandboxes.add(pooled);
            } else {
                ready = false;
                pooled.phase = PooledSandbox.Phase.DRAINING; // never given another call
                if (pooled.inFlight == 0) {
                    retire(pooled, pooled.sandbox.isAlive() ? Retirement.FAILED : Retirement.DIED, after);
                    if (pooled.replaceStemAfterFirstCall) {
                        pooled.replaceStemAfterFirstCall = false;
                        after.add(this::refillLater); // no call will come to replace it
                    }
                }
            }
            pump(revision, after);
            forgetIfDone(revision);
        }
        after.forEach(Runnable::run);
        if (ready) {
            metrics.coldStart(fromStem);
        }
    }

    /** Marks the outdated revision: its idle sandboxes go now, the busy ones when their calls end. */
    private void drain(String key, List<Runnable> after) {
        Revision revision = revisions.get(key);
        if (revision == null) {
            return;
        }
        revision.draining = true;
        for (PooledSandbox pooled : List.copyOf(revision.sandboxes)) {
            if (pooled.inFlight == 0) {
                retire(pooled, Retirement.OUTDATED, after);
            }
        }
        forgetIfDone(revision);
    }

    /**
     * Resets a sandbox whose call is late: it leaves the pool and is destroyed at once, since its
     * runtime may still be busy with the call. The call's slot is given back when it is released.
     */
    void timedOut(PooledSandbox pooled) {
        synchronized (lock) {
            if (detach(pooled)) {
                metrics.retired(Retirement.TIMED_OUT);
            }
        }
        pooled.sandbox.destroy(); // even one the pool had let go: the late runtime must stop
    }

    /** Takes a sandbox out of the pool (once, counting why) and destroys it after the lock is released. */
    private void retire(PooledSandbox pooled, Retirement reason, List<Runnable> after) {
        if (detach(pooled)) {
            metrics.retired(reason);
            after.add(pooled.sandbox::destroy);
        }
    }

    /** Gives back what a sandbox counted against the node; true the first time. */
    private boolean detach(PooledSandbox pooled) {
        if (pooled.detached) {
            return false;
        }
        pooled.detached = true;
        sandboxCount--;
        reservedMemoryMb -= pooled.memoryMb;
        all.remove(pooled);
        Deque<PooledSandbox> ready = stems.get(pooled.sandbox.runtime());
        if (ready != null) {
            ready.remove(pooled);
        }
        Revision revision = pooled.revisionKey == null ? null : revisions.get(pooled.revisionKey);
        if (revision != null) {
            revision.sandboxes.remove(pooled);
        }
        return true;
    }

    /** An empty revision is forgotten; the next call of it makes a new one. */
    private void forgetIfDone(Revision revision) {
        if (revision.isEmpty()) {
            revisions.remove(revision.key);
        }
    }

    /** Reborn: a sandbox whose runtime died leaves the pool at once; its room goes to new ones. */
    private void exited(PooledSandbox pooled) {
        List<Runnable> after = new ArrayList<>();
        boolean wasInPool;
        synchronized (lock) {
            wasInPool = detach(pooled);
            Revision revision = pooled.revisionKey == null ? null : revisions.get(pooled.revisionKey);
            if (revision != null) {
                pump(revision, after);
            }
        }
        after.forEach(Runnable::run);
        if (wasInPool) {
            metrics.retired(Retirement.DIED);
            LOG.info("Sandbox {} ({}) exited; it will not be given calls", pooled.sandbox.id(),
                    pooled.function == null ? "stem cell of " + pooled.sandbox.runtime() : pooled.function.functionName());
            refillLater();
        }
    }

    private void refillLater() {
        maintainStemsAfter(0);
    }

    /** Tops the stem cells up on the timer after {@code delayMillis}, off any call's path. */
    void maintainStemsAfter(long delayMillis) {
        try {
            timer.schedule(this::maintainStems, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the controller is stopping
        }
    }

    /**
     * Keeps the configured number of stem cells per installed runtime (runtimes sharing an
     * interpreter share them, see {@link SandboxManager#stemCellRuntime}), destroys those of
     * runtimes no longer installed and drains warm sandboxes of those runtimes. Runs on the
     * timer: starting a process must not delay a call.
     */
    void maintainStems() {
        Set<String> installed = sandboxManager.runtimes();
        Set<String> stemCellRuntimes = new TreeSet<>();
        installed.forEach(runtime -> stemCellRuntimes.add(sandboxManager.stemCellRuntime(runtime)));
        PoolSettings limits = settings;
        List<Runnable> after = new ArrayList<>();
        List<String> toStart = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            for (Map.Entry<String, Deque<PooledSandbox>> entry : stems.entrySet()) {
                boolean wanted = stemCellRuntimes.contains(entry.getKey());
                int keep = wanted ? limits.stemCellsPerRuntime() : 0;
                while (entry.getValue().size() > keep) {
                    retire(entry.getValue().peekLast(), wanted ? Retirement.SURPLUS : Retirement.OUTDATED, after);
                }
            }
            for (PooledSandbox pooled : List.copyOf(all)) {
                if (pooled.phase == PooledSandbox.Phase.ACTIVE && !installed.contains(pooled.runtime())) {
                    pooled.phase = PooledSandbox.Phase.DRAINING;
                    if (pooled.inFlight == 0) {
                        retire(pooled, Retirement.OUTDATED, after);
                    }
                }
            }
            for (String runtime : stemCellRuntimes) {
                int have = stems.getOrDefault(runtime, new ArrayDeque<>()).size() + stemsStarting.getOrDefault(runtime, 0);
                for (int i = have; i < limits.stemCellsPerRuntime() && admit(limits.stemCellMemoryMb(), 1, null, false, after); i++) {
                    stemsStarting.merge(runtime, 1, Integer::sum);
                    toStart.add(runtime);
                }
            }
        }
        after.forEach(Runnable::run);
        for (String runtime : toStart) {
            startStem(runtime, limits.stemCellMemoryMb());
        }
    }

    /**
     * A plugin revision went: its ready stem cells, and those still starting, run its bootstrap,
     * so they are destroyed rather than specialised after the plugin is replaced. Warm sandboxes
     * keep serving until they drain.
     */
    void retireStems(Set<String> runtimes) {
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            for (String runtime : runtimes) {
                stemGenerations.merge(runtime, 1, Integer::sum);
                Deque<PooledSandbox> ready = stems.get(runtime);
                while (ready != null && !ready.isEmpty()) {
                    retire(ready.peekLast(), Retirement.OUTDATED, after);
                }
            }
        }
        after.forEach(Runnable::run);
    }

    private void startStem(String runtime, int memoryMb) {
        int generation;
        synchronized (lock) {
            generation = stemGenerations.getOrDefault(runtime, 0);
        }
        CompletionStage<Sandbox> created;
        try {
            created = sandboxManager.create(runtime, memoryMb);
        } catch (RuntimeException e) {
            created = CompletableFuture.failedFuture(e);
        }
        created.whenComplete((sandbox, failure) -> {
            PooledSandbox stem = failure == null ? new PooledSandbox(sandbox, PooledSandbox.Phase.STEM, memoryMb) : null;
            synchronized (lock) {
                stemsStarting.merge(runtime, -1, Integer::sum);
                boolean current = generation == stemGenerations.getOrDefault(runtime, 0);
                if (stem != null && !closed && current && sandbox.isAlive()) {
                    all.add(stem);
                    stems.computeIfAbsent(runtime, r -> new ArrayDeque<>()).addLast(stem);
                } else {
                    sandboxCount--;
                    reservedMemoryMb -= memoryMb;
                    stem = null;
                }
            }
            if (failure != null) {
                LOG.warn("A stem cell of {} failed to start: {}", runtime, failure.getMessage());
            } else if (stem == null) {
                sandbox.destroy();
            } else {
                PooledSandbox kept = stem;
                sandbox.exited().thenRun(() -> exited(kept));
            }
        });
    }

    /**
     * Cooldown: destroys sandboxes idle past the idle timeout and idle ones of revisions that are
     * no longer current, then tops the stem cells up.
     */
    void sweep() {
        long now = System.nanoTime();
        PoolSettings limits = settings;
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            for (Revision revision : List.copyOf(revisions.values())) {
                if (!revision.key.equals(currentKey.apply(revision.functionName))) {
                    drain(revision.key, after);
                }
                for (PooledSandbox pooled : List.copyOf(revision.sandboxes)) {
                    if (pooled.inFlight == 0 && !pooled.sandbox.isAlive()) {
                        retire(pooled, Retirement.DIED, after);
                    } else if (pooled.inFlight == 0 && now - pooled.idleSinceNanos > limits.idleTimeoutNanos()) {
                        retire(pooled, Retirement.IDLE, after);
                    }
                }
                forgetIfDone(revision);
            }
        }
        after.forEach(Runnable::run);
        checkHealth(now, limits);
        maintainStems();
    }

    /**
     * Health checks: asks each sandbox idle for the health-check interval (since its last call or
     * check) whether its runtime still answers. One that does not answer in time, and has not
     * served a call meanwhile, is replaced (reborn): it is given no more calls and destroyed, and
     * a stem cell's place is filled again. A dead one leaves the pool when its process exits.
     */
    private void checkHealth(long now, PoolSettings limits) {
        if (limits.healthCheckIntervalNanos() <= 0) {
            return;
        }
        List<PooledSandbox> due = new ArrayList<>();
        synchronized (lock) {
            for (PooledSandbox pooled : all) {
                long quietNanos = now - Math.max(pooled.idleSinceNanos, pooled.checkedNanos);
                if (idleAndUsable(pooled) && quietNanos >= limits.healthCheckIntervalNanos()) {
                    pooled.checkedNanos = now;
                    due.add(pooled);
                }
            }
        }
        for (PooledSandbox pooled : due) {
            CompletableFuture<Void> answer = pooled.sandbox.ping().toCompletableFuture();
            timer.schedule(() -> {
                if (!answer.isDone()) {
                    unresponsive(pooled, now, limits.healthCheckTimeoutMillis());
                }
            }, limits.healthCheckTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Guarded by the lock: a stem cell or a warm sandbox, in the pool, with no call in flight. */
    private static boolean idleAndUsable(PooledSandbox pooled) {
        return pooled.inFlight == 0 && !pooled.detached
                && (pooled.phase == PooledSandbox.Phase.ACTIVE || pooled.phase == PooledSandbox.Phase.STEM);
    }

    private void unresponsive(PooledSandbox pooled, long checkedNanos, long timeoutMillis) {
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            // a call it answered since the check shows it alive; one in flight has its own deadline
            if (!idleAndUsable(pooled) || pooled.idleSinceNanos > checkedNanos) {
                return;
            }
            LOG.warn("Sandbox {} ({}) did not answer a health check within {} ms; replacing it", pooled.sandbox.id(),
                    pooled.function == null ? "stem cell of " + pooled.runtime() : pooled.function.functionName(), timeoutMillis);
            retire(pooled, Retirement.UNRESPONSIVE, after);
        }
        after.forEach(Runnable::run);
        maintainStems();
    }

    /** Every sandbox now, for /v1/runtimes. */
    List<SandboxStatus> status() {
        long now = System.nanoTime();
        List<SandboxStatus> list = new ArrayList<>();
        synchronized (lock) {
            for (PooledSandbox pooled : all) {
                FunctionConfiguration function = pooled.function;
                list.add(new SandboxStatus(pooled.sandbox.id(), pooled.runtime(), state(pooled),
                        function == null ? null : function.functionName(), function == null ? null : function.version(),
                        function == null ? null : function.codeSha256(), TimeUnit.NANOSECONDS.toMillis(now - pooled.createdNanos),
                        pooled.callsServed, pooled.inFlight, pooled.memoryMb, pooled.sandbox.pid()));
            }
        }
        return list;
    }

    private String state(PooledSandbox pooled) {
        if (!pooled.sandbox.isAlive()) {
            return "dead";
        }
        Revision revision = pooled.revisionKey == null ? null : revisions.get(pooled.revisionKey);
        return switch (pooled.phase) {
            case STEM -> "stem";
            case WARMING -> "warming";
            case DRAINING -> "cooling";
            case ACTIVE -> revision == null || revision.draining ? "cooling" : pooled.inFlight > 0 ? "busy" : "warm";
        };
    }

    /** Calls waiting for a sandbox, by function. */
    Map<String, Integer> queueDepth() {
        Map<String, Integer> depth = new TreeMap<>();
        synchronized (lock) {
            for (Revision revision : revisions.values()) {
                depth.merge(revision.functionName, revision.waiters.size(), Integer::sum);
            }
        }
        return depth;
    }

    /** Destroys every sandbox and fails the calls still waiting. */
    void close() {
        List<PooledSandbox> sandboxes;
        List<Waiter> waiting = new ArrayList<>();
        synchronized (lock) {
            closed = true;
            sandboxes = List.copyOf(all);
            for (Revision revision : revisions.values()) {
                waiting.addAll(revision.waiters);
                revision.waiters.clear();
            }
            sandboxes.forEach(this::detach);
        }
        for (Waiter waiter : waiting) {
            cancel(waiter);
            waiter.lease.completeExceptionally(new FaasException(ErrorCode.SERVICE, "The engine is stopping"));
        }
        sandboxes.forEach(pooled -> pooled.sandbox.destroy());
    }
}
