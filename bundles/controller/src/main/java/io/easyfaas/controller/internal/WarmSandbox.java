package io.easyfaas.controller.internal;

import io.easyfaas.api.sandbox.Sandbox;

/** A sandbox specialised for one function revision, with what the pool needs to know of it. */
final class WarmSandbox {
    final Sandbox sandbox;
    final String revisionKey;
    volatile long idleSinceNanos = System.nanoTime();

    WarmSandbox(Sandbox sandbox, String revisionKey) {
        this.sandbox = sandbox;
        this.revisionKey = revisionKey;
    }
}
