package io.easyfaas.funclet.internal;

import java.util.Locale;

/** How strictly the funclet isolates sandboxes, from its {@code isolation} setting. */
enum IsolationMode {
    /** Refuse to start unless namespaces and cgroups are available. */
    REQUIRED,
    /** Isolate as far as the host allows and warn loudly about the rest. */
    AUTO,
    /** Plain child processes: for development on hosts where the engine is not root. */
    OFF;

    static IsolationMode parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("isolation must be required, auto or off, not '" + value + "'", e);
        }
    }
}
