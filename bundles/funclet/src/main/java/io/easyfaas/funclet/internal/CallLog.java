package io.easyfaas.funclet.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The log of one call: the engine's {@code START}, the lines its runtime sent for it, then
 * {@code END} and {@code REPORT}. Every line goes to the function's log on disk as it comes;
 * the call's own text (its tail past {@link #MAX_TEXT_CHARS}) comes back with the result.
 */
final class CallLog {
    /** Longest call log kept in memory for the result; HTTP shows at most its last 4 KiB. */
    static final int MAX_TEXT_CHARS = 64 * 1024;
    /** A line the handler never ends is cut here. */
    static final int MAX_LINE_BYTES = 256 * 1024;

    private final FunctionLogStore store;
    private final String functionName;
    private final String requestId;
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream partialLine = new ByteArrayOutputStream();

    private CallLog(FunctionLogStore store, String functionName, String requestId) {
        this.store = store;
        this.functionName = functionName;
        this.requestId = requestId;
    }

    /** Opens the call's log with its START line. */
    static CallLog start(FunctionLogStore store, String functionName, String version, String requestId) {
        CallLog log = new CallLog(store, functionName, requestId);
        log.engineLine("START RequestId: " + requestId + " Version: " + version);
        return log;
    }

    /** Output of a call that already ended (a timer it left behind): to disk only, line by line. */
    static void late(FunctionLogStore store, String functionName, String requestId, byte[] output) {
        CallLog log = new CallLog(store, functionName, requestId);
        log.output(output);
        log.endPartialLine();
    }

    /** Raw output the runtime sent for the call; lines may be split across frames. */
    synchronized void output(byte[] bytes) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                partialLine.write(bytes, start, i - start);
                lines.add(takePartialLine());
                start = i + 1;
            }
        }
        partialLine.write(bytes, start, bytes.length - start);
        if (partialLine.size() >= MAX_LINE_BYTES) {
            lines.add(takePartialLine());
        }
        userLines(lines);
    }

    /** Closes the call's log with END and REPORT and returns its text. */
    synchronized String finish(long durationNanos, int memorySizeMb, long maxMemoryUsedBytes) {
        endPartialLine();
        double millis = durationNanos / 1e6;
        List<String> lines = List.of(
                "END RequestId: " + requestId,
                String.format(Locale.ROOT, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms"
                        + "\tMemory Size: %d MB\tMax Memory Used: %d MB",
                        requestId, millis, Math.max(1, (long) Math.ceil(millis)), memorySizeMb,
                        (maxMemoryUsedBytes + (1 << 20) - 1) >> 20));
        store.append(functionName, requestId, lines);
        lines.forEach(this::addText);
        return text.toString();
    }

    private void endPartialLine() {
        if (partialLine.size() > 0) {
            userLines(List.of(takePartialLine()));
        }
    }

    private String takePartialLine() {
        String line = partialLine.toString(StandardCharsets.UTF_8);
        partialLine.reset();
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private void userLines(List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        store.append(functionName, requestId, lines);
        String prefix = Instant.now() + "\t" + requestId + "\t";
        for (String line : lines) {
            addText(prefix + line);
        }
    }

    private void engineLine(String line) {
        store.append(functionName, requestId, List.of(line));
        addText(line);
    }

    private void addText(String line) {
        text.append(line).append('\n');
        if (text.length() > MAX_TEXT_CHARS) {
            int cut = text.indexOf("\n", text.length() - MAX_TEXT_CHARS);
            text.delete(0, cut < 0 ? text.length() - MAX_TEXT_CHARS : cut + 1);
        }
    }
}
