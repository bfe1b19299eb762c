package io.easyfaas.api.pool;

/**
 * One sandbox as the pool sees it.
 *
 * @param state one of {@code stem} (generic runtime, no function yet), {@code warming} (loading
 *     a function), {@code warm} (idle, specialised), {@code busy} (calls in flight),
 *     {@code cooling} (draining: outdated revision or removed runtime; no new calls) and
 *     {@code dead} (its runtime exited; never given a call)
 * @param functionName {@code null} for a stem cell
 * @param version the function version, {@code null} for a stem cell
 * @param codeSha256 the code it serves, {@code null} for a stem cell
 * @param memorySize megabytes counted against the node's capacity
 * @param pid the runtime's process id on the host, -1 if unknown
 */
public record SandboxStatus(
        String id,
        String runtime,
        String state,
        String functionName,
        String version,
        String codeSha256,
        long ageMillis,
        long callsServed,
        int inFlight,
        int memorySize,
        long pid) {
}
