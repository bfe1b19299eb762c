package io.easyfaas.funclet.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.logs.LogEntry;
import io.easyfaas.api.logs.LogQuery;

class CallLogTest {

    @TempDir
    Path root;

    @Test
    void startUserLinesEndAndReport() {
        FunctionLogStore store = new FunctionLogStore(root, 1 << 20, 3);
        CallLog log = CallLog.start(store, "f", "$LATEST", "req-1");
        byte[] text = "hello ✓\nsplit ac".getBytes(StandardCharsets.UTF_8);
        log.output(Arrays.copyOfRange(text, 0, 7)); // cuts ✓ in the middle of its UTF-8 bytes
        log.output(Arrays.copyOfRange(text, 7, text.length));
        log.output("ross frames\nno newline at the end".getBytes(StandardCharsets.UTF_8));
        String callText = log.finish(12_345_678, 128, 30L << 20);

        String[] lines = callText.split("\n");
        assertEquals("START RequestId: req-1 Version: $LATEST", lines[0]);
        assertTrue(lines[1].matches("\\d{4}-.*Z\treq-1\thello ✓"), lines[1]);
        assertTrue(lines[2].endsWith("\treq-1\tsplit across frames"), lines[2]);
        assertTrue(lines[3].endsWith("\treq-1\tno newline at the end"), lines[3]);
        assertEquals("END RequestId: req-1", lines[4]);
        assertEquals("REPORT RequestId: req-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB", lines[5]);

        List<String> stored = store.read("f", new LogQuery("req-1", null, null, 100)).entries().stream().map(LogEntry::message).toList();
        assertEquals(List.of("START RequestId: req-1 Version: $LATEST", "hello ✓", "split across frames", "no newline at the end",
                "END RequestId: req-1", lines[5]), stored);
    }

    @Test
    void keepsTheTailOfALongCallInMemoryAndAllOfItOnDisk() {
        FunctionLogStore store = new FunctionLogStore(root, 64 << 20, 3);
        CallLog log = CallLog.start(store, "f", "1", "r");
        String line = "y".repeat(999) + "\n";
        for (int i = 0; i < 200; i++) {
            log.output(line.getBytes(StandardCharsets.UTF_8));
        }
        String text = log.finish(1, 128, 0);
        assertTrue(text.length() <= CallLog.MAX_TEXT_CHARS, "capped: " + text.length());
        assertTrue(text.endsWith("Max Memory Used: 0 MB\n"));
        assertEquals(203, store.read("f", new LogQuery("r", null, null, 1000)).entries().size());
    }
}
