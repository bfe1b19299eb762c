package io.easyfaas.api;

/** The error codes of the EasyFaaS API, with the HTTP status and the party at fault. */
public enum ErrorCode {
    INVALID_PARAMETER_VALUE("InvalidParameterValueException", 400, true),
    RESOURCE_NOT_FOUND("ResourceNotFoundException", 404, true),
    RESOURCE_CONFLICT("ResourceConflictException", 409, true),
    REQUEST_TOO_LARGE("RequestTooLargeException", 413, true),
    UNSUPPORTED_MEDIA_TYPE("UnsupportedMediaTypeException", 415, true),
    TOO_MANY_REQUESTS("TooManyRequestsException", 429, true),
    SERVICE("ServiceException", 500, false);

    private final String code;
    private final int status;
    private final boolean userError;

    ErrorCode(String code, int status, boolean userError) {
        this.code = code;
        this.status = status;
        this.userError = userError;
    }

    /** The name clients see in the {@code Code} field, e.g. {@code ResourceNotFoundException}. */
    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    /** {@code "User"} when the caller can fix the request, {@code "Server"} otherwise. */
    public String type() {
        return userError ? "User" : "Server";
    }
}
