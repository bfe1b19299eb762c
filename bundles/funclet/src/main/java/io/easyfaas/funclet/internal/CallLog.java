package io.easyfaas.funclet.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The log of one call: the engine's {@code START}, the lines its runtime sent for it, then
 * {@code END} and {@code REPORT}. Lines go to the function's log on disk as they come, START
 * with the first output or else with END and REPORT, so a call that prints nothing costs one
 * write; the call's own text (its tail past {@link #MAX_TEXT_CHARS}) comes back with the result.
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
    /** The START line until it is on disk. */
    private String unwrittenStart;

    private CallLog(FunctionLogStore store, String functionName, String requestId) {
        this.store = store;
        this.functionName = functionName;
        this.requestId = requestId;
    }

    /** Opens the call's log with its START line. */
    static CallLog start(FunctionLogStore store, String functionName, String version, String requestId) {
        CallLog log = new CallLog(store, functionName, requestId);
        log.unwrittenStart = "START RequestId: " + requestId + " Version: " + version;
        log.addText(log.unwrittenStart);
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
        long hundredths = (durationNanos + 5_000) / 10_000;
        String end = "END RequestId: " + requestId;
        String report = "REPORT RequestId: " + requestId
                + "\tDuration: " + hundredths / 100 + '.' + Long.toString(100 + hundredths % 100).substring(1) + " ms"
                + "\tBilled Duration: " + Math.max(1, (durationNanos + 999_999) / 1_000_000) + " ms"
                + "\tMemory Size: " + memorySizeMb + " MB"
                + "\tMax Memory Used: " + ((maxMemoryUsedBytes + (1 << 20) - 1) >> 20) + " MB";
        write(List.of(end, report));
        addText(end);
        addText(report);
        return text.toString();
    }

    /** Writes lines to the function's log, behind the START line if that is not written yet. */
    private void write(List<String> lines) {
        if (unwrittenStart != null) {
            List<String> withStart = new ArrayList<>(lines.size() + 1);
            withStart.add(unwrittenStart);
            withStart.addAll(lines);
            lines = withStart;
            unwrittenStart = null;
        }
        store.append(functionName, requestId, lines);
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
        write(lines);
        String prefix = Instant.now() + "\t" + requestId + "\t";
        for (String line : lines) {
            addText(prefix + line);
        }
    }

    private void addText(String line) {
        text.append(line).append('\n');
        if (text.length() > MAX_TEXT_CHARS) {
            int cut = text.indexOf("\n", text.length() - MAX_TEXT_CHARS);
            text.delete(0, cut < 0 ? text.length() - MAX_TEXT_CHARS : cut + 1);
        }
    }
}
