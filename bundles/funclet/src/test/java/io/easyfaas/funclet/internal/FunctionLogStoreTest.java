package io.easyfaas.funclet.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.logs.LogEntry;
import io.easyfaas.api.logs.LogPage;
import io.easyfaas.api.logs.LogQuery;

class FunctionLogStoreTest {

    @TempDir
    Path root;

    static List<String> messages(LogPage page) {
        return page.entries().stream().map(LogEntry::message).toList();
    }

    @Test
    void readsBackEntriesFilteredByRequestId() {
        FunctionLogStore store = new FunctionLogStore(root, 1 << 20, 3);
        store.append("f", "a", List.of("one", "two"));
        store.append("f", "b", List.of("other"));
        store.append("f", "a", List.of("three\twith a tab"));
        assertEquals(List.of("one", "two", "other", "three\twith a tab"), messages(store.read("f", new LogQuery(null, null, null, 100))));
        assertEquals(List.of("one", "two", "three\twith a tab"), messages(store.read("f", new LogQuery("a", null, null, 100))));
        assertEquals(List.of(), messages(store.read("unknown", new LogQuery(null, null, null, 100))));
    }

    @Test
    void aHoldingThreadsLinesGoToDiskAtItsRoundsEndYetReadersFollowersAndOtherWritersSeeThemInOrder() throws Exception {
        FunctionLogStore store = new FunctionLogStore(root, 1 << 20, 3);
        Path file = root.resolve("f").resolve("function.log");
        List<String> followed = new ArrayList<>();
        store.follow("f", null, entry -> followed.add(entry.message()));
        store.holdAppendsOfThisThread();

        store.append("f", "a", List.of("one"));
        store.append("f", "b", List.of("two"));
        assertTrue(!Files.exists(file) || Files.readAllLines(file).isEmpty(), "held until the round ends");
        assertEquals(List.of("one", "two"), followed, "followers see lines at once");
        store.writeHeld();
        assertEquals(2, Files.readAllLines(file).size(), "one write at the round's end");

        store.append("f", "a", List.of("three"));
        assertEquals(List.of("one", "two", "three"), messages(store.read("f", new LogQuery(null, null, null, 10))),
                "a reader gets what is held");
        store.append("f", "a", List.of("four"));
        Thread other = new Thread(() -> store.append("f", "c", List.of("five")));
        other.start();
        other.join();
        assertEquals(5, Files.readAllLines(file).size(), "another thread's write takes what was held first");
        store.append("f", "a", List.of("six"));
        store.writeHeld();
        assertEquals(List.of("one", "two", "three", "four", "five", "six"),
                Files.readAllLines(file).stream().map(line -> line.substring(line.lastIndexOf('\t') + 1)).toList());
    }

    @Test
    void eachLineOnDiskStartsWithItsTimeInIso8601WithMicroseconds() throws IOException {
        FunctionLogStore store = new FunctionLogStore(root, 1 << 20, 3);
        store.append("f", "a", List.of("one"));
        store.append("f", "a", List.of("two"));

        List<String> lines = Files.readAllLines(root.resolve("f").resolve("function.log"));
        List<LogEntry> entries = store.read("f", new LogQuery(null, null, null, 10)).entries();
        assertEquals(2, lines.size());
        for (int i = 0; i < 2; i++) {
            String time = lines.get(i).substring(0, lines.get(i).indexOf('\t'));
            assertTrue(time.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z"), time);
            assertEquals(entries.get(i).time(), java.time.Instant.parse(time));
        }
    }

    @Test
    void aLogOpenedAheadIsEmptyUntilItsFirstLinesAndKeepsWhatWasThere() throws IOException {
        FunctionLogStore earlier = new FunctionLogStore(root, 1 << 20, 3);
        earlier.append("f", "a", List.of("from before"));
        earlier.deactivate();
        FunctionLogStore store = new FunctionLogStore(root, 1 << 20, 3);
        store.open("f");
        store.open("new");

        assertTrue(Files.isRegularFile(root.resolve("new").resolve("function.log")));
        assertEquals(List.of(), messages(store.read("new", new LogQuery(null, null, null, 10))));
        store.append("f", "b", List.of("first call"));
        assertEquals(List.of("from before", "first call"), messages(store.read("f", new LogQuery(null, null, null, 10))));
    }

    @Test
    void withoutSinceTheNewestEntriesWithSinceTheOldestAfterIt() {
        FunctionLogStore store = new FunctionLogStore(root, 1 << 20, 3);
        for (int i = 0; i < 10; i++) {
            store.append("f", "r", List.of("line " + i));
        }
        assertEquals(List.of("line 8", "line 9"), messages(store.read("f", new LogQuery(null, null, null, 2))));
        LogPage first = store.read("f", new LogQuery(null, store.read("f", new LogQuery(null, null, null, 10)).entries().get(3).time(), null, 2));
        assertEquals(List.of("line 3", "line 4"), messages(first));
        LogPage second = store.read("f", new LogQuery(null, first.next(), null, 100));
        assertEquals(List.of("line 5", "line 6", "line 7", "line 8", "line 9"), messages(second), "next continues without a gap or repeat");
        LogPage none = store.read("f", new LogQuery(null, second.next(), null, 100));
        assertEquals(List.of(), messages(none));
        assertEquals(second.next(), none.next());
        assertEquals(List.of("line 5"), messages(store.read("f", new LogQuery(null, first.next(), second.entries().get(1).time(), 100))),
                "until is exclusive");
    }

    @Test
    void rotatesAndKeepsAFixedNumberOfFiles() throws IOException {
        FunctionLogStore store = new FunctionLogStore(root, 1024, 3);
        String filler = "x".repeat(100);
        for (int i = 0; i < 100; i++) {
            store.append("f", "r", List.of(i + " " + filler));
        }
        try (Stream<Path> files = Files.list(root.resolve("f"))) {
            List<Path> kept = files.toList();
            assertEquals(3, kept.size(), kept::toString);
            for (Path file : kept) {
                assertTrue(Files.size(file) <= 1024, file::toString);
            }
        }
        List<String> left = messages(store.read("f", new LogQuery(null, null, null, 1000)));
        assertEquals("99 " + filler, left.get(left.size() - 1), "the newest survive");
        assertTrue(left.size() < 100 && left.size() > 10, "the oldest went: " + left.size());
        for (int i = 1; i < left.size(); i++) {
            assertEquals(Integer.parseInt(left.get(i - 1).split(" ")[0]) + 1, Integer.parseInt(left.get(i).split(" ")[0]), "oldest first, none lost between files");
        }
    }

    @Test
    void followersGetNewEntriesUntilTheyStop() throws Exception {
        FunctionLogStore store = new FunctionLogStore(root, 1 << 20, 3);
        List<String> seen = new ArrayList<>();
        AutoCloseable following = store.follow("f", "a", entry -> seen.add(entry.message()));
        store.append("f", "a", List.of("mine"));
        store.append("f", "b", List.of("not mine"));
        following.close();
        store.append("f", "a", List.of("after"));
        assertEquals(List.of("mine"), seen);
    }

    @Test
    void namesThatAreNoFunctionNamesAreRefused() {
        FunctionLogStore store = new FunctionLogStore(root, 1 << 20, 3);
        assertThrows(FaasException.class, () -> store.read("../etc", new LogQuery(null, null, null, 1)));
    }
}
