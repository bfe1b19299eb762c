package io.easyfaas.cli;

/** A mistake on the command line: printed with a hint to {@code --help}, exit status 64. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
