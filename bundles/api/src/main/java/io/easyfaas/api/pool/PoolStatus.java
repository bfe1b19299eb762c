package io.easyfaas.api.pool;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** A read-only view of the controller's sandboxes and counters. */
@ProviderType
public interface PoolStatus {

    /** Every sandbox the controller holds now, stem cells included. */
    List<SandboxStatus> sandboxes();

    /** The counters since the controller started. */
    PoolMetrics metrics();
}
