package io.easyfaas.api.function;

/**
 * What a client asks for when it creates or reconfigures a function. On create, a {@code null}
 * field takes its default; on a configuration update, a {@code null} field stays as it is.
 */
public record FunctionDefinition(
        String functionName,
        String runtime,
        String handler,
        Integer memorySize,
        Integer timeout,
        String description,
        FunctionEnvironment environment) {

    /** What a function name may be: it becomes a file name and a URL path segment. */
    public static final String NAME_PATTERN = "[A-Za-z0-9_-]{1,64}";
}
