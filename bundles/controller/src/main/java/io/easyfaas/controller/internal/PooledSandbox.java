package io.easyfaas.controller.internal;

import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.sandbox.Sandbox;

/**
 * A sandbox with what the pool knows of it. Every field but the sandbox and its birth is
 * guarded by the pool's lock.
 */
final class PooledSandbox {
    /** Where a sandbox is in its life; {@link SandboxPool#status} turns this into the API's states. */
    enum Phase { STEM, WARMING, ACTIVE, DRAINING }

    final Sandbox sandbox;
    final long createdNanos = System.nanoTime();
    Phase phase;
    /** The revision it is specialised for; {@code null} while a stem cell. */
    FunctionConfiguration function;
    String revisionKey;
    int memoryMb;
    int inFlight;
    long callsServed;
    long idleSinceNanos = createdNanos;
    /** When it was last asked whether its runtime still answers (a health check). */
    long checkedNanos = createdNanos;
    /** Set once its capacity is given back: it is out of the pool for good. */
    boolean detached;
    /**
     * A stem cell taken for a first call: its replacement starts once that call is answered, so
     * that a new interpreter does not compete with the call for the CPUs.
     */
    boolean replaceStemAfterFirstCall;

    PooledSandbox(Sandbox sandbox, Phase phase, int memoryMb) {
        this.sandbox = sandbox;
        this.phase = phase;
        this.memoryMb = memoryMb;
    }

    void specialise(FunctionConfiguration function, String revisionKey) {
        this.function = function;
        this.revisionKey = revisionKey;
        this.memoryMb = function.memorySize();
        this.phase = Phase.WARMING;
    }

    /** The function's runtime once specialised: a stem cell may serve another name for its interpreter. */
    String runtime() {
        return function == null ? sandbox.runtime() : function.runtime();
    }

    boolean canTakeCall(int concurrency) {
        return phase == Phase.ACTIVE && !detached && inFlight < concurrency && sandbox.isAlive();
    }
}
