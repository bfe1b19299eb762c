package io.easyfaas.api.function;

import java.util.Map;

/** A function's environment, shaped as clients send it: {@code {"Variables": {...}}}. */
public record FunctionEnvironment(Map<String, String> variables) {
    public FunctionEnvironment {
        variables = variables == null ? Map.of() : Map.copyOf(variables);
    }

    public static FunctionEnvironment empty() {
        return new FunctionEnvironment(Map.of());
    }
}
