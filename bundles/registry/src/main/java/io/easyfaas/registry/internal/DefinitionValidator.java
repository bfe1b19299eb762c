package io.easyfaas.registry.internal;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.function.FunctionEnvironment;

/** Checks the fields of a function; every failure is a 400 whose message names the field. */
final class DefinitionValidator {

    static final Pattern NAME = Pattern.compile(FunctionDefinition.NAME_PATTERN);
    static final Pattern HANDLER = Pattern.compile("^[^\\s]{1,128}$");
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    static final int MIN_MEMORY = 128;
    static final int MAX_MEMORY = 10240;
    static final int MIN_TIMEOUT = 1;
    static final int MAX_TIMEOUT = 900;
    static final int MAX_DESCRIPTION = 256;
    static final int MAX_ENVIRONMENT_BYTES = 4096;
    static final int MAX_POD_CONCURRENT_QUOTA = 1000;

    private final Supplier<? extends Collection<String>> installedRuntimes;

    DefinitionValidator(Supplier<? extends Collection<String>> installedRuntimes) {
        this.installedRuntimes = installedRuntimes;
    }

    static void name(String name) {
        if (name == null || name.isEmpty()) {
            throw FaasException.invalid("FunctionName is required");
        }
        if (!NAME.matcher(name).matches()) {
            throw FaasException.invalid("Value '" + name + "' at 'FunctionName' failed to satisfy constraint: "
                    + "Member must satisfy regular expression pattern: " + NAME.pattern());
        }
    }

    void runtime(String runtime) {
        if (runtime == null || runtime.isEmpty()) {
            throw FaasException.invalid("Runtime is required");
        }
        Collection<String> installed = installedRuntimes.get();
        if (!installed.contains(runtime)) {
            throw FaasException.invalid("Value '" + runtime + "' at 'Runtime' failed to satisfy constraint: "
                    + "Member must be an installed runtime: " + new TreeSet<>(installed));
        }
    }

    static void handler(String handler) {
        if (handler == null || handler.isEmpty()) {
            throw FaasException.invalid("Handler is required");
        }
        if (!HANDLER.matcher(handler).matches()) {
            throw FaasException.invalid("Value '" + handler + "' at 'Handler' failed to satisfy constraint: "
                    + "Member must satisfy regular expression pattern: " + HANDLER.pattern());
        }
        int dot = handler.lastIndexOf('.');
        String module = dot < 0 ? "" : handler.substring(0, dot);
        String function = dot < 0 ? "" : handler.substring(dot + 1);
        boolean ok = dot > 0 && !module.isEmpty() && !function.isEmpty() && !handler.startsWith("/");
        if (ok) {
            for (String segment : module.split("/", -1)) {
                if (segment.equals("..")) {
                    ok = false;
                    break;
                }
            }
        }
        if (!ok) {
            throw FaasException.invalid("Value '" + handler + "' at 'Handler' failed to satisfy constraint: "
                    + "Member must have the form 'path/to/module.function' (relative, no '..' segments)");
        }
    }

    static void network(String network) {
        if (!FunctionDefinition.NETWORK_MODES.contains(network)) {
            throw FaasException.invalid("Value '" + network + "' at 'Network' failed to satisfy constraint: "
                    + "Member must be one of " + FunctionDefinition.NETWORK_MODES);
        }
    }

    static void memorySize(int memorySize) {
        if (memorySize < MIN_MEMORY || memorySize > MAX_MEMORY) {
            throw FaasException.invalid("Value '" + memorySize + "' at 'MemorySize' failed to satisfy constraint: "
                    + "Member must have value between " + MIN_MEMORY + " and " + MAX_MEMORY);
        }
    }

    static void timeout(int timeout) {
        if (timeout < MIN_TIMEOUT || timeout > MAX_TIMEOUT) {
            throw FaasException.invalid("Value '" + timeout + "' at 'Timeout' failed to satisfy constraint: "
                    + "Member must have value between " + MIN_TIMEOUT + " and " + MAX_TIMEOUT);
        }
    }

    /** {@code null} is valid: the engine's default applies. */
    static void podConcurrentQuota(Integer quota) {
        if (quota != null && (quota < 0 || quota > MAX_POD_CONCURRENT_QUOTA)) {
            throw FaasException.invalid("Value '" + quota + "' at 'PodConcurrentQuota' failed to satisfy constraint: "
                    + "Member must have value between 0 and " + MAX_POD_CONCURRENT_QUOTA);
        }
    }

    static void description(String description) {
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw FaasException.invalid("Value at 'Description' failed to satisfy constraint: "
                    + "Member must have length less than or equal to " + MAX_DESCRIPTION);
        }
    }

    static void environment(FunctionEnvironment environment) {
        if (environment == null) {
            return;
        }
        long size = 0;
        for (Map.Entry<String, String> e : environment.variables().entrySet()) {
            if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw FaasException.invalid("Value '" + e.getKey() + "' at 'Environment.Variables' failed to satisfy "
                        + "constraint: Member must have keys matching " + ENV_NAME.pattern());
            }
            size += e.getKey().getBytes(StandardCharsets.UTF_8).length
                    + e.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        if (size > MAX_ENVIRONMENT_BYTES) {
            throw FaasException.invalid("Environment.Variables exceed the 4 KB limit: " + size + " bytes");
        }
    }
}
