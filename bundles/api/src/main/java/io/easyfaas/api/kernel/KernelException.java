package io.easyfaas.api.kernel;

/** A kernel operation failed; the message names the call, its target and the errno. */
public class KernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public KernelException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public KernelException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 0;
    }

    /** The errno of the failed call, or 0 when the failure was not a system call's. */
    public int errno() {
        return errno;
    }
}
