package io.easyfaas.controller.internal;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.invoke.InvocationResult;
import io.easyfaas.api.sandbox.Sandbox;

/** A sandbox in memory: answers every call at once with its event; {@link #destroy} kills it. */
final class FakeSandbox implements Sandbox {
    private final String id;
    private final String runtime;
    private final boolean failInit;
    private final CompletableFuture<Void> exited = new CompletableFuture<>();
    volatile String initialisedWith;

    FakeSandbox(String id, String runtime, boolean failInit) {
        this.id = id;
        this.runtime = runtime;
        this.failInit = failInit;
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
        return CompletableFuture.completedFuture(failInit
                ? FunctionErrors.error("Runtime.ImportModuleError", "no module", 0)
                : new InvocationResult(new byte[0], null, 0));
    }

    @Override
    public CompletionStage<InvocationResult> invoke(String requestId, byte[] event, long deadlineEpochMillis) {
        return CompletableFuture.completedFuture(new InvocationResult(event, null, 0));
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
