package io.easyfaas.funclet.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;

/**
 * The threads that start sandboxes and prepare them for functions: several milliseconds of
 * system calls that must never run on an HTTP or the sandbox-channel thread. Cold starts of
 * different functions proceed in parallel, one per CPU; idle threads end after a minute.
 */
final class SandboxStarter implements AutoCloseable {
    private static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final ThreadPoolExecutor threads = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), task -> {
                Thread thread = new Thread(task, "easyfaas-sandbox-start");
                thread.setDaemon(true);
                return thread;
            });

    SandboxStarter() {
        threads.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code work} on a starter thread; fails with a 500 once the funclet is stopping. */
    <T> CompletableFuture<T> supply(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, threads);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new FaasException(ErrorCode.SERVICE, "The engine is stopping"));
        }
    }

    @Override
    public void close() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
