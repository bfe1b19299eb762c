package io.easyfaas.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line, split into positionals and options. Options may appear anywhere, as
 * {@code --name value} or {@code --name=value}; {@code --} ends the options. Options that take a
 * value take the next argument whatever it looks like, so {@code --data -1} works.
 */
final class CliArgs {

    /** Options that take a value. Repeating one keeps every value (used by {@code --env}). */
    static final Set<String> VALUE_OPTIONS = Set.of(
            "url", "runtime", "handler", "code", "memory", "timeout", "description", "env", "network", "concurrency", "data",
            "request-id", "since", "limit");

    /** Options without a value. */
    static final Set<String> FLAG_OPTIONS = Set.of("help", "verbose", "version", "follow", "log");

    private static final Map<String, String> SHORT = Map.of("-h", "help", "-v", "verbose");

    private final List<String> positionals;
    private final Map<String, List<String>> options;

    private CliArgs(List<String> positionals, Map<String, List<String>> options) {
        this.positionals = positionals;
        this.options = options;
    }

    static CliArgs parse(String... args) throws UsageException {
        List<String> positionals = new ArrayList<>();
        Map<String, List<String>> options = new LinkedHashMap<>();
        boolean onlyPositionals = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (onlyPositionals || arg.equals("-") || !arg.startsWith("-")) {
                positionals.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                onlyPositionals = true;
                continue;
            }
            String name;
            String value = null;
            if (SHORT.containsKey(arg)) {
                name = SHORT.get(arg);
            } else if (arg.startsWith("--")) {
                name = arg.substring(2);
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
            } else {
                throw new UsageException("unknown option: " + arg);
            }
            if (VALUE_OPTIONS.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
            } else if (FLAG_OPTIONS.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = "true";
            } else {
                throw new UsageException("unknown option: --" + name);
            }
            options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return new CliArgs(Collections.unmodifiableList(positionals), Collections.unmodifiableMap(options));
    }

    /** The command: the first positional, or null. */
    String command() {
        return positionals.isEmpty() ? null : positionals.get(0);
    }

    /** Positionals after the command. */
    List<String> operands() {
        return positionals.isEmpty() ? List.of() : positionals.subList(1, positionals.size());
    }

    boolean has(String option) {
        return options.containsKey(option);
    }

    /** The option's value (the last one if repeated), or null. */
    String get(String option) {
        List<String> values = options.get(option);
        return values == null ? null : values.get(values.size() - 1);
    }

    List<String> all(String option) {
        return options.getOrDefault(option, List.of());
    }

    /** Fails if an option other than the global ones and {@code allowed} was given. */
    void allowOnly(String command, String... allowed) throws UsageException {
        Set<String> ok = Set.of(allowed);
        for (String name : options.keySet()) {
            if (!ok.contains(name) && !name.equals("url") && !name.equals("verbose") && !name.equals("help")) {
                throw new UsageException(command + " does not take --" + name);
            }
        }
    }

    /** Exactly {@code n} operands after the command, named in the message. */
    List<String> operands(String command, int n, String what) throws UsageException {
        List<String> ops = operands();
        if (ops.size() < n) {
            throw new UsageException(command + " needs " + what);
        }
        if (ops.size() > n) {
            throw new UsageException(command + ": unexpected argument: " + ops.get(n));
        }
        return ops;
    }

    /** Environment variables from repeated {@code --env K=V}, in order; the last wins. */
    Map<String, String> env() throws UsageException {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String kv : all("env")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--env needs KEY=VALUE, got: " + kv);
            }
            vars.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return vars;
    }

    /** A whole-number option, or null when absent. */
    Integer integer(String option, int min) throws UsageException {
        String v = get(option);
        if (v == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                throw new UsageException("--" + option + " must be at least " + min + ": " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + " must be a whole number: " + v);
        }
    }
}
