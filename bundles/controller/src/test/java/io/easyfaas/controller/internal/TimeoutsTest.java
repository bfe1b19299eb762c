package io.easyfaas.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.easyfaas.api.invoke.InvocationResult;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimeoutsTest {
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final Timeouts timeouts = new Timeouts(timer);
    private final InvocationResult timedOut = new InvocationResult(new byte[0], "Sandbox.Timedout", 0);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void aLateCallAnswersAtItsDeadlineAndResetsTheSandbox() throws Exception {
        FakeSandbox sandbox = new FakeSandbox("s1", "nodejs20", false, false);
        long started = System.nanoTime();
        CompletableFuture<InvocationResult> outcome =
                timeouts.withTimeout(new CompletableFuture<>(), 200, sandbox::destroy, () -> timedOut);

        assertSame(timedOut, outcome.get(5, TimeUnit.SECONDS));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(tookMillis >= 200, "answered before the deadline: " + tookMillis + " ms");
        assertFalse(sandbox.isAlive(), "the late sandbox is reset");
    }

    @Test
    void aCallInTimeKeepsItsResultAndItsSandbox() throws Exception {
        FakeSandbox sandbox = new FakeSandbox("s1", "nodejs20", false, false);
        InvocationResult answer = new InvocationResult("{}".getBytes(), null, 1);
        CompletableFuture<InvocationResult> call = new CompletableFuture<>();
        CompletableFuture<InvocationResult> outcome = timeouts.withTimeout(call, 100, sandbox::destroy, () -> timedOut);

        call.complete(answer);
        Thread.sleep(100 + 2 * Timeouts.SLOT_MILLIS);

        assertSame(answer, outcome.get());
        assertTrue(sandbox.isAlive(), "a call that answered in time leaves its sandbox alone");
    }

    @Test
    void callsDueTogetherShareOneTimerTask() throws Exception {
        List<CompletableFuture<InvocationResult>> calls = new ArrayList<>();
        List<CompletableFuture<InvocationResult>> outcomes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            CompletableFuture<InvocationResult> call = new CompletableFuture<>();
            calls.add(call);
            outcomes.add(timeouts.withTimeout(call, 60_000, new FakeSandbox("s" + i, "nodejs20", false, false)::destroy, () -> timedOut));
        }

        // a slot boundary may fall between the first and the last call
        assertTrue(timer.getQueue().size() <= 2, "timer tasks for 1000 calls: " + timer.getQueue().size());
        calls.forEach(call -> call.complete(new InvocationResult(new byte[0], null, 0)));
        assertEquals(1000, outcomes.stream().filter(o -> o.join().errorType() == null).count());
    }
}
