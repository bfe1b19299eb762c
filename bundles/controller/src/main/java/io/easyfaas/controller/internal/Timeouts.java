package io.easyfaas.controller.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.sandbox.Sandbox;

/** The engine's own deadlines on what a runtime does, on one shared timer. */
final class Timeouts {
    private Timeouts() {
    }

    /**
     * Completes with the stage's outcome, or, if it is late, with {@code onTimeout}'s result; the
     * sandbox that was late is then reset, since its runtime may still be busy with the call.
     */
    static CompletableFuture<InvocationResult> withTimeout(ScheduledExecutorService timer, CompletableFuture<InvocationResult> stage,
            long timeoutMillis, Sandbox sandbox, Supplier<InvocationResult> onTimeout) {
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
}
