package io.easyfaas.api.function;

/**
 * What a client asks for when it creates or reconfigures a function. On create, a {@code null}
 * field takes its default; on a configuration update, a {@code null} field stays as it is.
 *
 * @param podConcurrentQuota calls one sandbox of the function runs at once (EasyFaaS's
 *        PodConcurrentQuota; 0 or 1: one at a time); {@code null} means the engine's default
 */
public record FunctionDefinition(
        String functionName,
        String runtime,
        String handler,
        Integer memorySize,
        Integer timeout,
        String description,
        FunctionEnvironment environment,
        String network,
        Integer podConcurrentQuota) {

    /** Network mode: its own network namespace with loopback only (the default). */
    public static final String NETWORK_NONE = "none";
    /** Network mode: egress through the engine's bridge with NAT, no way to other sandboxes or the host. */
    public static final String NETWORK_BRIDGE = "bridge";
    /** Network mode: the host's network namespace. */
    public static final String NETWORK_HOST = "host";
    /** Every network mode, the default first. */
    public static final java.util.List<String> NETWORK_MODES = java.util.List.of(NETWORK_NONE, NETWORK_BRIDGE, NETWORK_HOST);

    /** A definition that leaves the network mode and the concurrency as they are (or the defaults). */
    public FunctionDefinition(String functionName, String runtime, String handler, Integer memorySize, Integer timeout,
            String description, FunctionEnvironment environment) {
        this(functionName, runtime, handler, memorySize, timeout, description, environment, null);
    }

    /** A definition that leaves the concurrency as it is (or the default). */
    public FunctionDefinition(String functionName, String runtime, String handler, Integer memorySize, Integer timeout,
            String description, FunctionEnvironment environment, String network) {
        this(functionName, runtime, handler, memorySize, timeout, description, environment, network, null);
    }

    /** What a function name may be: it becomes a file name and a URL path segment. */
    public static final String NAME_PATTERN = "[A-Za-z0-9_-]{1,64}";

    /** Whether {@code name} matches {@link #NAME_PATTERN}; without a regular expression, as every call checks one. */
    public static boolean isValidName(String name) {
        if (name == null || name.isEmpty() || name.length() > 64) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
