package io.easyfaas.controller.internal;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.easyfaas.api.invoke.InvocationResult;

/**
 * The engine's own deadlines on what a runtime does, on one shared timer. Deadlines are rounded
 * up to {@link #SLOT_MILLIS} and share one timer task per slot: scheduling a task per call woke
 * the timer thread on every call, a context switch that cost the warm path more than the call.
 */
final class Timeouts {
    /** How late a deadline may fire; function timeouts are whole seconds. */
    static final long SLOT_MILLIS = 50;

    private final ScheduledExecutorService timer;
    /** Slot end (monotonic milliseconds) to the expiries due then; a slot is removed as it fires. */
    private final ConcurrentMap<Long, Set<Runnable>> slots = new ConcurrentHashMap<>();

    Timeouts(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /**
     * Completes with the stage's outcome, or, if it is late, with {@code onTimeout}'s result after
     * running {@code reset}, which destroys the sandbox that was late: its runtime may still be busy
     * with the call.
     */
    CompletableFuture<InvocationResult> withTimeout(CompletableFuture<InvocationResult> stage, long timeoutMillis,
            Runnable reset, Supplier<InvocationResult> onTimeout) {
        CompletableFuture<InvocationResult> outcome = new CompletableFuture<>();
        AtomicBoolean late = new AtomicBoolean();
        Runnable expire = () -> {
            if (late.compareAndSet(false, true)) {
                // reset first: the call it abandons fails, and that failure must not win
                reset.run();
                outcome.complete(onTimeout.get());
            }
        };
        Set<Runnable> slot = add(expire, timeoutMillis);
        stage.whenComplete((result, failure) -> {
            if (!late.compareAndSet(false, true)) {
                return;
            }
            slot.remove(expire);
            if (failure == null) {
                outcome.complete(result);
            } else {
                outcome.completeExceptionally(failure);
            }
        });
        return outcome;
    }

    private Set<Runnable> add(Runnable expire, long timeoutMillis) {
        long now = nowMillis();
        long due = (now + Math.max(0, timeoutMillis) + SLOT_MILLIS - 1) / SLOT_MILLIS * SLOT_MILLIS;
        // compute and the firing remove are atomic per key, so no expiry joins a slot that fired
        return slots.compute(due, (key, expiries) -> {
            if (expiries == null) {
                expiries = ConcurrentHashMap.newKeySet();
                timer.schedule(() -> fire(key), key - now, TimeUnit.MILLISECONDS);
            }
            expiries.add(expire);
            return expiries;
        });
    }

    private void fire(long due) {
        Set<Runnable> expiries = slots.remove(due);
        if (expiries != null) {
            expiries.forEach(Runnable::run);
        }
    }

    private static long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }
}
