package io.easyfaas.api.sandbox;

/** The runtime of a sandbox ended while a call was in flight. */
public class SandboxExitedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The runtime exited or was killed. */
    public static final String EXIT_ERROR = "Runtime.ExitError";
    /** The kernel stopped the runtime because the function used more than its memory limit. */
    public static final String OUT_OF_MEMORY = "Runtime.OutOfMemory";

    private final String errorType;

    public SandboxExitedException(String message) {
        this(EXIT_ERROR, message);
    }

    public SandboxExitedException(String errorType, String message) {
        super(message);
        this.errorType = errorType;
    }

    /** The function error type a call in flight answers, e.g. {@link #OUT_OF_MEMORY}. */
    public String errorType() {
        return errorType;
    }
}
