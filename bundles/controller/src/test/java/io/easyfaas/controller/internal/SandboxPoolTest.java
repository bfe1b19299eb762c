package io.easyfaas.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.function.FunctionEnvironment;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.pool.SandboxStatus;
import io.easyfaas.api.sandbox.Sandbox;
import io.easyfaas.api.sandbox.SandboxManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pool's scheduling decisions, one at a time: which sandbox a call gets, when it waits, when
 * it is refused, what is evicted, drained or destroyed. It uses an in-memory SandboxManager
 * because these decisions hinge on exact orderings (a slot freeing while calls wait, a plugin
 * vanishing mid-call) that real runtimes cannot be made to produce on cue; the same behaviours
 * are covered end to end with real runtimes by the itests' PoolIT.
 */
class SandboxPoolTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final FakeSandboxManager manager = new FakeSandboxManager();
    private final CallMetrics metrics = new CallMetrics();
    /** What the registry holds: function name to current revision key. */
    private final Map<String, String> currentRevisions = new ConcurrentHashMap<>();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private SandboxPool pool(int maxSandboxes, long memoryMb, int stems, int quota, int perFunction, int queue, long waitMillis) {
        return pool(new PoolSettings(maxSandboxes, memoryMb, stems, 128, quota, perFunction, queue, waitMillis,
                TimeUnit.SECONDS.toNanos(300), 0, 1000));
    }

    private SandboxPool pool(PoolSettings settings) {
        return new SandboxPool(settings, manager, f -> Path.of("/code"), currentRevisions::get, timer, metrics);
    }

    /** Every sweep checks every idle sandbox; a runtime has {@code timeoutMillis} to answer. */
    private SandboxPool healthCheckedPool(int stems, long timeoutMillis) {
        return pool(new PoolSettings(10, 10_000, stems, 128, 1, 4, 0, 1000, TimeUnit.SECONDS.toNanos(300), 1, timeoutMillis));
    }

    @Test
    void anIdleSandboxWhoseRuntimeStopsAnsweringHealthChecksIsReplaced() throws Exception {
        SandboxPool pool = healthCheckedPool(0, 50);
        FunctionConfiguration function = function("f", "r1", 128);
        PooledSandbox first = servedOnce(pool, function);

        pool.sweep();
        Thread.sleep(150);
        assertTrue(first.sandbox.isAlive(), "a runtime that answers is kept");
        assertSame(first, pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox());
        pool.release(first);

        ((FakeSandbox) first.sandbox).stuck = true;
        pool.sweep();
        awaitTrue(() -> !first.sandbox.isAlive(), "a runtime that does not answer within 50 ms is destroyed");
        PooledSandbox next = pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox();
        assertNotSame(first, next, "and never given a call again");
        assertEquals(2, manager.created.size());
        assertEquals(1, retired("unresponsive"));
    }

    @Test
    void aStemCellThatStopsAnsweringIsReplacedByANewOne() throws Exception {
        SandboxPool pool = healthCheckedPool(1, 50);
        pool.maintainStems();
        FakeSandbox stem = manager.created.get(0);
        stem.stuck = true;

        pool.sweep();

        // the new stem cell is made before the pool lists it: wait for the list
        awaitTrue(() -> !stem.isAlive() && pool.status().stream()
                .anyMatch(s -> s.state().equals("stem") && !s.id().equals(stem.id())), "the stuck stem cell goes and another takes its place");
        PooledSandbox taken = pool.acquire(function("f", "r1", 128)).get(1, TimeUnit.SECONDS).sandbox();
        assertSame(manager.created.get(1), taken.sandbox);
    }

    @Test
    void aSandboxThatServedACallSinceItsCheckIsNotReplacedForALateAnswer() throws Exception {
        SandboxPool pool = healthCheckedPool(0, 500);
        FunctionConfiguration function = function("f", "r1", 128);
        PooledSandbox first = servedOnce(pool, function);
        ((FakeSandbox) first.sandbox).stuck = true;

        pool.sweep();
        assertSame(first, pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox(), "given a call while its check runs");
        pool.release(first);
        Thread.sleep(700); // past the 500 ms the check waits

        assertTrue(first.sandbox.isAlive(), "the call it answered shows it alive");
        assertSame(first, pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox());
    }

    @Test
    void aSandboxIdlePastTheIdleTimeoutIsDestroyedAndTheFunctionScalesToZero() throws Exception {
        SandboxPool pool = pool(new PoolSettings(10, 10_000, 0, 128, 1, 4, 0, 1000, TimeUnit.MILLISECONDS.toNanos(50), 0, 1000));
        PooledSandbox warm = servedOnce(pool, function("f", "r1", 128));

        pool.sweep();
        assertTrue(warm.sandbox.isAlive(), "idle for less than the timeout");
        Thread.sleep(100);
        pool.sweep();

        assertFalse(warm.sandbox.isAlive());
        assertTrue(pool.status().isEmpty());
        assertEquals(1, retired("idle"));
        assertEquals(0, retired("died"));
    }

    /** A sandbox that has served one call of {@code function} and is now idle in the pool. */
    private static PooledSandbox servedOnce(SandboxPool pool, FunctionConfiguration function) throws Exception {
        PooledSandbox served = pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox();
        pool.release(served);
        return served;
    }

    /** The sandboxes the pool has retired for {@code reason}, as /metrics reports them. */
    private long retired(String reason) {
        return metrics.snapshot(Map.of(), Map.of()).sandboxesRetired().get(reason);
    }

    @Test
    void callsPastTheFunctionsSandboxesWaitInOrderAndPastTheQueueAreRefused() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 1, 2, 10_000);
        FunctionConfiguration function = function("f", "r1", 128);
        SandboxPool.Lease running = pool.acquire(function).get(1, TimeUnit.SECONDS);
        CompletableFuture<SandboxPool.Lease> second = pool.acquire(function);
        CompletableFuture<SandboxPool.Lease> third = pool.acquire(function);

        FaasException refused = assertThrows(FaasException.class, () -> pool.acquire(function));
        assertEquals(ErrorCode.TOO_MANY_REQUESTS, refused.errorCode());
        assertFalse(second.isDone());
        pool.release(running.sandbox());
        assertSame(running.sandbox(), second.get(1, TimeUnit.SECONDS).sandbox(), "the first waiter gets the freed slot");
        assertFalse(third.isDone());
        pool.release(running.sandbox());
        assertSame(running.sandbox(), third.get(1, TimeUnit.SECONDS).sandbox());
        assertEquals(1, manager.created.size(), "one sandbox served all three calls");
    }

    @Test
    void aCallThatWaitsPastTheMaximumWaitIsRefused() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 1, 5, 50);
        FunctionConfiguration function = function("f", "r1", 128);
        pool.acquire(function).get(1, TimeUnit.SECONDS);

        CompletableFuture<SandboxPool.Lease> waiting = pool.acquire(function);

        CompletionException failure = assertThrows(CompletionException.class, waiting::join);
        assertEquals(ErrorCode.TOO_MANY_REQUESTS, ((FaasException) failure.getCause()).errorCode());
        assertEquals(0, pool.queueDepth().get("f"));
    }

    @Test
    void aSandboxTakesUpToItsQuotaOfCallsAtOnce() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 3, 1, 0, 1000);
        FunctionConfiguration function = function("f", "r1", 128);
        PooledSandbox first = pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox();

        assertSame(first, pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox());
        assertSame(first, pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox());
        assertThrows(FaasException.class, () -> pool.acquire(function), "quota 3, one sandbox, no queue");
    }

    @Test
    void aFunctionsPodConcurrentQuotaOverridesTheEngineDefault() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 4, 0, 1000);
        FunctionConfiguration shared = function("node", "r1", 128, 3);
        FunctionConfiguration serial = function("py", "r1", 128);

        List<PooledSandbox> sharedCalls = List.of(pool.acquire(shared).get(1, TimeUnit.SECONDS).sandbox(),
                pool.acquire(shared).get(1, TimeUnit.SECONDS).sandbox(), pool.acquire(shared).get(1, TimeUnit.SECONDS).sandbox());
        PooledSandbox firstSerial = pool.acquire(serial).get(1, TimeUnit.SECONDS).sandbox();
        PooledSandbox secondSerial = pool.acquire(serial).get(1, TimeUnit.SECONDS).sandbox();

        assertEquals(1, sharedCalls.stream().distinct().count(), "quota 3: three overlapping calls on one sandbox");
        assertEquals(3, sharedCalls.get(0).inFlight);
        assertNotSame(firstSerial, secondSerial, "no quota: the engine's default of one call per sandbox");
        assertNotSame(sharedCalls.get(0), pool.acquire(shared).get(1, TimeUnit.SECONDS).sandbox(), "a fourth call needs another sandbox");
    }

    @Test
    void aPodConcurrentQuotaOfZeroIsOneCallAtATimeWhateverTheEngineDefault() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 3, 4, 0, 1000);
        FunctionConfiguration function = function("f", "r1", 128, 0);

        PooledSandbox first = pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox();

        assertNotSame(first, pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox());
    }

    @Test
    void memoryAdmissionEvictsAnIdleSandboxOfAnotherFunctionBeforeRefusing() throws Exception {
        SandboxPool pool = pool(10, 1024, 0, 1, 4, 0, 1000);
        PooledSandbox idle = servedOnce(pool, function("a", "r1", 512));
        PooledSandbox busy = pool.acquire(function("b", "r1", 512)).get(1, TimeUnit.SECONDS).sandbox();

        PooledSandbox third = pool.acquire(function("c", "r1", 512)).get(1, TimeUnit.SECONDS).sandbox();

        assertFalse(idle.sandbox.isAlive(), "the idle sandbox of a made room");
        assertTrue(busy.sandbox.isAlive());
        FaasException refused = assertThrows(FaasException.class, () -> pool.acquire(function("d", "r1", 512)));
        assertEquals(ErrorCode.TOO_MANY_REQUESTS, refused.errorCode(), "both sandboxes are busy: nothing to evict");
        assertNotSame(idle, third);
        assertEquals(1, retired("evicted"));
    }

    @Test
    void aFirstCallSpecialisesAStemCellInsteadOfStartingARuntime() throws Exception {
        SandboxPool pool = pool(10, 10_000, 2, 1, 4, 0, 1000);
        pool.maintainStems();
        assertEquals(2, manager.created.size());
        assertEquals(List.of(128, 128), manager.stemMemoryLimits, "limited to the memory they count against the node");
        FakeSandbox stem = manager.created.get(0);

        PooledSandbox taken = pool.acquire(function("f", "r1", 256)).get(1, TimeUnit.SECONDS).sandbox();

        assertSame(stem, taken.sandbox);
        assertEquals("f", stem.initialisedWith);
        assertEquals(256, taken.memoryMb);
        assertEquals(1, metrics.snapshot(java.util.Map.of(), java.util.Map.of()).stemCellWarmups());
        Thread.sleep(100);
        assertEquals(2, manager.created.size(), "no new stem cell competes with the first call while it runs");
        pool.release(taken);
        awaitTrue(() -> manager.created.size() == 3, "the taken stem cell is replaced once the call is answered");
    }

    @Test
    void runtimesOfOneInterpreterShareTheirStemCells() throws Exception {
        manager.runtimes.add("r0");
        manager.sharedStemCells.put("r1", "r0");
        SandboxPool pool = pool(10, 10_000, 1, 1, 4, 0, 1000);
        pool.maintainStems();
        assertEquals(1, manager.created.size(), "one stem cell for the two runtimes");
        FakeSandbox stem = manager.created.get(0);
        assertEquals("r0", stem.runtime());

        PooledSandbox taken = pool.acquire(function("f", "r1", 256)).get(1, TimeUnit.SECONDS).sandbox();

        assertSame(stem, taken.sandbox, "an r1 function takes the stem cell kept under r0");
        assertEquals(List.of("r1"), pool.status().stream().map(SandboxStatus::runtime).toList(), "listed with its function's runtime");
        pool.release(taken);
        awaitTrue(() -> manager.created.size() == 2, "the taken stem cell is replaced");
        assertEquals("r0", manager.created.get(1).runtime());
    }

    @Test
    void aHostNetworkFunctionGetsASandboxMadeForItNotAStemCell() throws Exception {
        SandboxPool pool = pool(10, 10_000, 1, 1, 4, 0, 1000);
        pool.maintainStems();
        FakeSandbox stem = manager.created.get(0);
        FunctionConfiguration stored = stored("h", "r1", 128, null);
        FunctionConfiguration hostNetwork = new FunctionConfiguration(stored.functionName(), stored.runtime(), stored.handler(),
                stored.memorySize(), stored.timeout(), stored.description(), stored.environment(), stored.codeSha256(),
                stored.codeSize(), stored.version(), stored.lastModified(), stored.revisionId(), FunctionDefinition.NETWORK_HOST);
        currentRevisions.put("h", SandboxPool.revisionKey(hostNetwork));

        PooledSandbox taken = pool.acquire(hostNetwork).get(1, TimeUnit.SECONDS).sandbox();

        assertNotSame(stem, taken.sandbox);
        assertNull(stem.initialisedWith, "the stem cell stays free for functions with their own network");
        assertEquals(List.of(FunctionDefinition.NETWORK_NONE, FunctionDefinition.NETWORK_HOST), manager.networks);
    }

    @Test
    void aRemovedRuntimesStemCellsAreDestroyedAndItsWarmSandboxesDrain() throws Exception {
        SandboxPool pool = pool(10, 10_000, 1, 1, 4, 0, 1000);
        PooledSandbox busy = pool.acquire(function("f", "r1", 128)).get(1, TimeUnit.SECONDS).sandbox();
        PooledSandbox idle = servedOnce(pool, function("f", "r1", 128));
        pool.maintainStems();
        FakeSandbox stem = manager.created.get(manager.created.size() - 1);

        manager.runtimes.remove("r1");
        pool.maintainStems();

        assertFalse(stem.isAlive(), "the stem cell of the removed runtime is gone");
        assertFalse(idle.sandbox.isAlive(), "the idle warm sandbox is gone");
        assertTrue(busy.sandbox.isAlive(), "the call in flight finishes");
        pool.release(busy);
        assertFalse(busy.sandbox.isAlive(), "and then its sandbox goes too");
    }

    @Test
    void aRedeployDrainsTheOldRevisionWhileItsCallsFinish() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 4, 0, 1000);
        PooledSandbox busy = pool.acquire(function("f", "r1", 128)).get(1, TimeUnit.SECONDS).sandbox();
        PooledSandbox idle = servedOnce(pool, function("f", "r1", 128));

        PooledSandbox current = pool.acquire(function("f", "r2", 128)).get(1, TimeUnit.SECONDS).sandbox();

        assertFalse(idle.sandbox.isAlive(), "an idle sandbox of the old revision goes at once");
        assertTrue(busy.sandbox.isAlive(), "a busy one finishes its call");
        assertNotSame(busy, current);
        assertEquals(List.of("cooling", "busy"), pool.status().stream().map(s -> s.state()).toList());
        pool.release(busy);
        assertFalse(busy.sandbox.isAlive());
        assertEquals(2, retired("outdated"));
    }

    @Test
    void aCallThatReadTheOldRevisionJustBeforeARedeployDoesNotDrainTheNewOne() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 4, 0, 1000);
        FunctionConfiguration old = function("f", "r1", 128);
        PooledSandbox current = servedOnce(pool, function("f", "r2", 128));

        PooledSandbox late = servedOnce(pool, old);

        assertTrue(current.sandbox.isAlive(), "the current revision's sandbox stays warm");
        assertFalse(late.sandbox.isAlive(), "the late call's sandbox of the old revision goes after the call");
        assertSame(current, pool.acquire(function("f", "r2", 128)).get(1, TimeUnit.SECONDS).sandbox());
    }

    @Test
    void aDeadSandboxIsNeverGivenACall() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 4, 0, 1000);
        FunctionConfiguration function = function("f", "r1", 128);
        PooledSandbox first = servedOnce(pool, function);

        ((FakeSandbox) first.sandbox).die();

        assertTrue(pool.status().isEmpty(), "the dead sandbox left the pool");
        PooledSandbox next = pool.acquire(function).get(1, TimeUnit.SECONDS).sandbox();
        assertNotSame(first, next);
        assertTrue(next.sandbox.isAlive());
        assertEquals(1, retired("died"));
    }

    @Test
    void aFunctionThatFailsToLoadAnswersItsErrorAndLeavesNoSandbox() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 4, 0, 1000);
        manager.failInit = true;

        SandboxPool.Lease lease = pool.acquire(function("f", "r1", 128)).get(1, TimeUnit.SECONDS);
        InvocationResult loaded = lease.loading().get(1, TimeUnit.SECONDS);
        pool.release(lease.sandbox(), CallMetrics.Retirement.FAILED); // as the invoker does once the runtime answered the call

        assertEquals("Runtime.ImportModuleError", loaded.errorType());
        assertTrue(pool.status().isEmpty());
        assertFalse(manager.created.get(0).isAlive());
        assertEquals(1, retired("failed"));
    }

    @Test
    void aFunctionThatLoadsPastItsTimeoutHasItsSandboxResetAndCountedOnce() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 1, 4, 10_000);
        manager.holdInit = true; // the function never loads; its timeout is 3 s

        SandboxPool.Lease lease = pool.acquire(function("f", "r1", 128)).get(1, TimeUnit.SECONDS);
        InvocationResult loaded = lease.loading().get(10, TimeUnit.SECONDS);

        assertEquals("Runtime.InitTimeout", loaded.errorType());
        assertFalse(manager.created.get(0).isAlive(), "the late runtime is stopped");
        pool.release(lease.sandbox(), CallMetrics.Retirement.FAILED); // as the invoker does for a load that failed
        assertTrue(pool.status().isEmpty());
        assertEquals(1, retired("timed_out"));
        assertEquals(0, retired("failed"));
    }

    @Test
    void aFirstCallHasItsSandboxWhileTheFunctionLoadsAndNoOtherCallDoes() throws Exception {
        SandboxPool pool = pool(10, 10_000, 0, 1, 1, 4, 10_000);
        manager.holdInit = true;
        FunctionConfiguration function = function("f", "r1", 128);

        SandboxPool.Lease lease = pool.acquire(function).get(1, TimeUnit.SECONDS);
        PooledSandbox given = lease.sandbox();
        CompletableFuture<InvocationResult> answer = given.sandbox.invoke("first", "{}".getBytes(), 0).toCompletableFuture();
        CompletableFuture<SandboxPool.Lease> second = pool.acquire(function);

        assertEquals("warming", pool.status().get(0).state());
        assertFalse(lease.loading().isDone());
        assertFalse(answer.isDone(), "the call waits for the init");
        assertFalse(second.isDone(), "a loading sandbox takes no other call");
        manager.created.get(0).finishInit();
        assertFalse(lease.loading().get(1, TimeUnit.SECONDS).isFunctionError());
        assertEquals("{}", new String(answer.get(1, TimeUnit.SECONDS).payload()));
        assertEquals("busy", pool.status().get(0).state());
        pool.release(given);
        assertSame(given, second.get(1, TimeUnit.SECONDS).sandbox());
        assertEquals(1, manager.created.size());
    }

    /** A function as the registry now holds it. */
    private FunctionConfiguration function(String name, String revision, int memory) {
        return function(name, revision, memory, null);
    }

    /** A function with its own PodConcurrentQuota ({@code null}: the engine's default), as the registry now holds it. */
    private FunctionConfiguration function(String name, String revision, int memory, Integer podConcurrentQuota) {
        FunctionConfiguration function = stored(name, revision, memory, podConcurrentQuota);
        currentRevisions.put(name, SandboxPool.revisionKey(function));
        return function;
    }

    /** A function as some caller read it, whatever the registry now holds. */
    private static FunctionConfiguration stored(String name, String revision, int memory, Integer podConcurrentQuota) {
        return new FunctionConfiguration(name, "r1", "index.handler", memory, 3, "", FunctionEnvironment.empty(),
                "sha-" + revision, 1, FunctionConfiguration.LATEST, "2026-01-01T00:00:00Z", revision,
                FunctionDefinition.NETWORK_NONE, podConcurrentQuota);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(10);
        }
    }

    /** Sandboxes that start at once and load any function, unless told to fail. */
    private static final class FakeSandboxManager implements SandboxManager {
        final Set<String> runtimes = new ConcurrentSkipListSet<>(Set.of("r1"));
        final Map<String, String> sharedStemCells = new ConcurrentHashMap<>();
        final List<FakeSandbox> created = new CopyOnWriteArrayList<>();
        final List<String> networks = new CopyOnWriteArrayList<>();
        final List<Integer> stemMemoryLimits = new CopyOnWriteArrayList<>();
        volatile boolean failInit;
        volatile boolean holdInit;

        @Override
        public CompletionStage<Sandbox> create(String runtime, int memoryLimitMb) {
            stemMemoryLimits.add(memoryLimitMb);
            return create(runtime, FunctionDefinition.NETWORK_NONE);
        }

        @Override
        public CompletionStage<Sandbox> create(FunctionConfiguration function, Path codeDirectory) {
            return create(function.runtime(), function.network());
        }

        private CompletionStage<Sandbox> create(String runtime, String network) {
            networks.add(network);
            FakeSandbox sandbox = new FakeSandbox("s" + created.size(), runtime, failInit, holdInit);
            created.add(sandbox);
            return CompletableFuture.completedFuture(sandbox);
        }

        @Override
        public Set<String> runtimes() {
            return Set.copyOf(runtimes);
        }

        @Override
        public String stemCellRuntime(String runtime) {
            return sharedStemCells.getOrDefault(runtime, runtime);
        }
    }
}
