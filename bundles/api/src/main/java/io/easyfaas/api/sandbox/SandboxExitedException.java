package io.easyfaas.api.sandbox;

/** The runtime of a sandbox ended while a call was in flight. */
public class SandboxExitedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SandboxExitedException(String message) {
        super(message);
    }
}
