package io.easyfaas.controller.internal.async;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.easyfaas.api.invoke.AsyncInvocation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The event queue's files, on a real file system: what a restart finds after a crash. */
class InvocationStoreTest {
    @TempDir
    Path data;

    @Test
    void aRecordReadsBackAsWrittenAndItsLatestVersionWins() throws Exception {
        InvocationStore store = new InvocationStore(data.resolve("async"));
        byte[] event = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        StoredInvocation queued = new StoredInvocation("r1", "f", null, event, AsyncInvocation.QUEUED, 0, 10, 0, null, null);
        store.write(queued);
        store.write(queued.withStatus(AsyncInvocation.RUNNING, 1));

        List<StoredInvocation> loaded = new InvocationStore(data.resolve("async")).loadAll();

        assertEquals(1, loaded.size());
        assertEquals(AsyncInvocation.RUNNING, loaded.get(0).status());
        assertEquals(1, loaded.get(0).attempts());
        assertArrayEquals(event, loaded.get(0).event());
    }

    @Test
    void anInterruptedWriteAndAnUnreadableFileDoNotStopTheOthersLoading() throws Exception {
        InvocationStore store = new InvocationStore(data.resolve("async"));
        store.write(new StoredInvocation("good", "f", null, new byte[] {'1'}, AsyncInvocation.QUEUED, 0, 10, 0, null, null));
        Files.writeString(data.resolve("async/half.json.tmp"), "{\"requestId\":\"half\",");
        Files.writeString(data.resolve("async/broken.json"), "not json");

        List<StoredInvocation> loaded = store.loadAll();

        assertEquals(List.of("good"), loaded.stream().map(StoredInvocation::requestId).toList());
        assertFalse(Files.exists(data.resolve("async/half.json.tmp")), "the leftover of an interrupted write is removed");
    }

    @Test
    void aFinishedCallKeepsItsOutcomeAndDropsItsEvent() throws Exception {
        StoredInvocation running = new StoredInvocation("r2", "f", null, new byte[] {'1'}, AsyncInvocation.RUNNING, 1, 10, 0, null, null);

        StoredInvocation done = running.withOutcome(AsyncInvocation.SUCCEEDED, new byte[] {'2'}, null, 20);

        assertNull(done.event());
        assertEquals(20, done.finishedEpochMillis());
        assertArrayEquals(new byte[] {'2'}, done.result());
        assertArrayEquals(new byte[] {'1'}, running.withOutcome(AsyncInvocation.QUEUED, null, "E", 20).event(),
                "a call queued for a retry keeps its event");
    }
}
