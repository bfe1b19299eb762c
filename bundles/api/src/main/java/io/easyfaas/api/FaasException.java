package io.easyfaas.api;

/** A failure that the API answers with an error body; the code decides the HTTP status. */
public class FaasException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    public FaasException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public FaasException(ErrorCode errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    public static FaasException invalid(String message) {
        return new FaasException(ErrorCode.INVALID_PARAMETER_VALUE, message);
    }

    public static FaasException notFound(String message) {
        return new FaasException(ErrorCode.RESOURCE_NOT_FOUND, message);
    }

    public static FaasException tooLarge(String message) {
        return new FaasException(ErrorCode.REQUEST_TOO_LARGE, message);
    }
}
