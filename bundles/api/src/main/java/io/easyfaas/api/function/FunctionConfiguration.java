package io.easyfaas.api.function;

/**
 * A stored function as clients see it. {@code revisionId} changes on every update of code or
 * configuration, so a sandbox specialised for one revision is never given a call of another.
 *
 * @param codeSha256 base64 of the SHA-256 of the code zip, as Lambda reports it
 * @param memorySize megabytes
 * @param timeout seconds
 * @param lastModified ISO-8601 instant
 * @param podConcurrentQuota calls one sandbox of the function runs at once (0 counts as 1);
 *        {@code null} means the engine's default
 */
public record FunctionConfiguration(
        String functionName,
        String runtime,
        String handler,
        int memorySize,
        int timeout,
        String description,
        FunctionEnvironment environment,
        String codeSha256,
        long codeSize,
        String version,
        String lastModified,
        String revisionId,
        String network,
        Integer podConcurrentQuota) {

    /** Configurations stored before network modes existed have none, which means {@code none}. */
    public FunctionConfiguration {
        network = network == null ? FunctionDefinition.NETWORK_NONE : network;
    }

    /** A configuration with the default network mode and the engine's concurrency. */
    public FunctionConfiguration(String functionName, String runtime, String handler, int memorySize, int timeout,
            String description, FunctionEnvironment environment, String codeSha256, long codeSize, String version,
            String lastModified, String revisionId) {
        this(functionName, runtime, handler, memorySize, timeout, description, environment, codeSha256, codeSize, version,
                lastModified, revisionId, null);
    }

    /** A configuration with the engine's concurrency. */
    public FunctionConfiguration(String functionName, String runtime, String handler, int memorySize, int timeout,
            String description, FunctionEnvironment environment, String codeSha256, long codeSize, String version,
            String lastModified, String revisionId, String network) {
        this(functionName, runtime, handler, memorySize, timeout, description, environment, codeSha256, codeSize, version,
                lastModified, revisionId, network, null);
    }

    /** The only version until versions are published. */
    public static final String LATEST = "$LATEST";
}
