package io.easyfaas.api.kernel;

/**
 * How a process ended.
 *
 * @param code the exit code, or the signal number when {@code signaled}
 * @param signaled whether a signal ended it
 */
public record ExitStatus(int code, boolean signaled) {

    @Override
    public String toString() {
        return signaled ? "signal " + code : "exit status " + code;
    }
}
