package io.easyfaas.api.runtime;

/**
 * The wire protocol between the engine and a runtime bootstrap: one Unix domain stream socket
 * per sandbox, carrying frames both ways.
 *
 * <p>A frame is an 8-byte prefix, two unsigned 32-bit big-endian integers {@code headerLength}
 * and {@code payloadLength}, then a UTF-8 JSON object of {@code headerLength} bytes, then
 * {@code payloadLength} bytes of payload (JSON, passed through untouched).
 *
 * <ol>
 * <li>The bootstrap connects to {@link #SOCKET_ENV} (since 1.3, a bootstrap whose adapter
 * {@linkplain RuntimeAdapter#takesConnectionDescriptor() takes the connection} finds it open as
 * the descriptor in {@link #DESCRIPTOR_ENV} instead) and sends {@code {"type":"hello"}}.</li>
 * <li>The engine sends {@code {"type":"init","id":"init","handler":"index.handler",
 * "codeDirectory":"/path","functionName":...,"functionVersion":...,"memoryLimitMB":128,
 * "timeoutMillis":3000,"environment":{...}}}: the bootstrap sets the environment and loads the
 * handler.</li>
 * <li>The engine sends {@code {"type":"invoke","id":"<request id>","deadline":<epoch ms>}} with
 * the event as payload, as often as it likes.</li>
 * <li>The bootstrap answers each {@code init} and {@code invoke} with
 * {@code {"type":"result","id":"<same id>","error":false}} and the handler's result as payload,
 * or {@code "error":true} and the payload {@code {"errorMessage","errorType","stackTrace"}}. An
 * {@code init} that succeeds answers an empty payload.</li>
 * <li>Since 1.1: while a call runs, the bootstrap sends what the handler writes as
 * {@code {"type":"log","id":"<request id>"}} frames whose payload is the raw output (UTF-8 text,
 * any number of lines, a line may be split across frames). The id is the call the output belongs
 * to, decided where it was written, so concurrent calls never mix. A call's log frames come
 * before its {@code result}; frames for a call already answered are still kept in the
 * function's log. Output not tied to a call goes to the process's stdout/stderr.</li>
 * <li>Since 1.2: a bootstrap whose hello carries {@code "ping":true} answers
 * {@code {"type":"ping","id":"<id>"}} with {@code {"type":"result","id":"<same id>","error":false}}
 * and an empty payload, as soon as it can read a frame: the engine's health check of an idle
 * sandbox. A runtime that is busy with something left behind by a call, or stuck, answers late or
 * never.</li>
 * </ol>
 */
public final class RuntimeProtocol {

    /** Path of the Unix socket the bootstrap connects to. */
    public static final String SOCKET_ENV = "EASYFAAS_RUNTIME_SOCKET";

    /** The descriptor (a number) of the connection the engine made for the bootstrap, since 1.3. */
    public static final String DESCRIPTOR_ENV = "EASYFAAS_RUNTIME_FD";

    /** The sandbox's id, for the bootstrap's own diagnostics. */
    public static final String SANDBOX_ID_ENV = "EASYFAAS_SANDBOX_ID";

    /** Header {@code type} of a frame carrying a call's output (runtime to engine). */
    public static final String LOG_TYPE = "log";

    /** Header {@code type} of a health check (engine to runtime), since 1.2. */
    public static final String PING_TYPE = "ping";

    /** Length of the frame prefix: two unsigned 32-bit integers. */
    public static final int PREFIX_BYTES = 8;

    private RuntimeProtocol() {
    }
}
