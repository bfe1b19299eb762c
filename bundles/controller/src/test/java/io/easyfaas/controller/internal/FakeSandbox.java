package io.easyfaas.controller.internal;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.sandbox.Sandbox;

/**
 * A sandbox in memory: answers every call with its event, or as a bootstrap does, with the init's
 * error once loading failed; calls made while it loads wait for the init. {@link #destroy} kills it.
 */
final class FakeSandbox implements Sandbox {
    private final String id;
    private final String runtime;
    private final boolean failInit;
    private final CompletableFuture<InvocationResult> init = new CompletableFuture<>();
    /** Completed after {@link #init}: calls are answered after the init, as {@link Sandbox#invoke} says. */
    private final CompletableFuture<InvocationResult> loaded = new CompletableFuture<>();
    private final boolean holdInit;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    volatile String initialisedWith;
    /** When set, its runtime never answers a health check, as one stuck in a loop. */
    volatile boolean stuck;

    /** @param holdInit whether loading a function waits for {@link #finishInit} */
    FakeSandbox(String id, String runtime, boolean failInit, boolean holdInit) {
        this.id = id;
        this.runtime = runtime;
        this.failInit = failInit;
        this.holdInit = holdInit;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String runtime() {
        return runtime;
    }

    @Override
    public CompletionStage<InvocationResult> initialize(FunctionConfiguration function, Path codeDirectory) {
        initialisedWith = function.functionName();
        if (!holdInit) {
            finishInit();
        }
        return init;
    }

    void finishInit() {
        InvocationResult answer = failInit ? FunctionErrors.error("Runtime.ImportModuleError", "no module", 0) : new InvocationResult(new byte[0], null, 0);
        init.complete(answer);
        loaded.complete(answer);
    }

    @Override
    public CompletionStage<InvocationResult> invoke(String requestId, byte[] event, long deadlineEpochMillis) {
        return loaded.thenApply(answer -> answer.isFunctionError() ? answer : new InvocationResult(event, null, 0));
    }

    @Override
    public CompletionStage<Void> ping() {
        return stuck ? new CompletableFuture<>() : CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> exited() {
        return exited;
    }

    @Override
    public boolean isAlive() {
        return !exited.isDone();
    }

    void die() {
        exited.complete(null);
    }

    @Override
    public void destroy() {
        die();
    }
}
