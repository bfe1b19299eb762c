package io.easyfaas.funclet.internal;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.logs.FunctionLogs;
import io.easyfaas.api.logs.LogEntry;
import io.easyfaas.api.logs.LogPage;
import io.easyfaas.api.logs.LogQuery;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Functions' logs on disk: {@code <data>/logs/functions/<name>/function.log}, one line per entry
 * ({@code <ISO time>\t<request id>\t<message>}), rotated to {@code function.log.1},
 * {@code .2}, ... when it would pass the size cap, keeping a fixed number of files.
 */
@Component(service = {FunctionLogs.class, FunctionLogStore.class}, configurationPid = "io.easyfaas.funclet")
public class FunctionLogStore implements FunctionLogs {
    private static final Logger LOG = LoggerFactory.getLogger(FunctionLogStore.class);
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,140}");
    static final String FILE = "function.log";

    /** Read from the funclet's configuration (PID {@code io.easyfaas.funclet}). */
    public @interface Config {
        /** Engine data directory; logs go to {@code logs/functions/<name>/} below it. */
        String data_dir() default "data";

        /** Size at which a function's log file is rotated, in bytes. */
        long log_file_max_bytes() default 10L * 1024 * 1024;

        /** Log files kept per function, the one written included. */
        int log_files() default 3;
    }

    private final Path root;
    private final long maxFileBytes;
    private final int files;
    private final Map<String, FunctionLog> logs = new ConcurrentHashMap<>();
    /** The thread whose appends are held until {@link #writeHeld}; see {@link #holdAppendsOfThisThread}. */
    private volatile Thread holdingThread;
    /** The logs holding lines of {@link #holdingThread}; touched by that thread only. */
    private final List<FunctionLog> holding = new ArrayList<>();

    @Activate
    public FunctionLogStore(Config config) {
        this(Path.of(config.data_dir()).toAbsolutePath().normalize().resolve("logs").resolve("functions"),
                config.log_file_max_bytes(), config.log_files());
    }

    FunctionLogStore(Path root, long maxFileBytes, int files) {
        this.root = root;
        this.maxFileBytes = Math.max(1024, maxFileBytes);
        this.files = Math.max(1, files);
    }

    /**
     * Appends lines of one call to the function's log in one write, and tells its followers; on
     * the {@link #holdAppendsOfThisThread holding thread}, the write waits for {@link #writeHeld}.
     */
    void append(String functionName, String requestId, List<String> messages) {
        if (!messages.isEmpty()) {
            FunctionLog log = log(functionName);
            boolean hold = Thread.currentThread() == holdingThread;
            if (log.append(requestId, messages, hold) && hold) {
                holding.add(log);
            }
        }
    }

    /**
     * Makes the calling thread's appends wait for its {@link #writeHeld}, so that a thread that
     * works in rounds writes each log once a round: the sandbox channels' thread answers several
     * calls a round under load, and a write per call cost about 3 µs of system time each.
     * Followers get the lines at once, and {@link #read} writes what is held first.
     */
    void holdAppendsOfThisThread() {
        holdingThread = Thread.currentThread();
    }

    /** Writes what the holding thread's appends left in memory; called by that thread. */
    void writeHeld() {
        if (!holding.isEmpty()) {
            holding.forEach(FunctionLog::writeHeld);
            holding.clear();
        }
    }

    /**
     * Opens the function's log file ahead of its first lines: making the directory and the file
     * took a first call 0.3-1 ms on the sandbox channels' thread. A failure is left to the first
     * write to report.
     */
    void open(String functionName) {
        log(functionName).open();
    }

    @Override
    public LogPage read(String functionName, LogQuery query) {
        return log(functionName).read(query);
    }

    @Override
    public AutoCloseable follow(String functionName, String requestId, Consumer<LogEntry> listener) {
        FunctionLog log = log(functionName);
        Consumer<LogEntry> filtered = requestId == null ? listener
                : entry -> {
                    if (requestId.equals(entry.requestId())) {
                        listener.accept(entry);
                    }
                };
        log.followers.add(filtered);
        return () -> log.followers.remove(filtered);
    }

    private FunctionLog log(String functionName) {
        FunctionLog log = functionName == null ? null : logs.get(functionName);
        if (log != null) {
            return log; // its name was checked when it was made: every call's log lines come here
        }
        if (functionName == null || !NAME.matcher(functionName).matches()) {
            throw FaasException.invalid("Not a function name: " + functionName);
        }
        return logs.computeIfAbsent(functionName, name -> new FunctionLog(root.resolve(name)));
    }

    @Deactivate
    void deactivate() {
        logs.values().forEach(FunctionLog::close);
        logs.clear();
    }

    /** One function's files; writes are serialised by its monitor. */
    private final class FunctionLog {
        private final Path directory;
        private final List<Consumer<LogEntry>> followers = new CopyOnWriteArrayList<>();
        private FileChannel out;
        private long size;
        private Instant last = Instant.EPOCH;
        private long formattedSecond = Long.MIN_VALUE;
        private String formattedSecondPrefix;
        /** Lines appended but not written yet, oldest first. */
        private final StringBuilder held = new StringBuilder();

        FunctionLog(Path directory) {
            this.directory = directory;
        }

        /** Returns whether these lines are the first held since the last write. */
        synchronized boolean append(String requestId, List<String> messages, boolean hold) {
            List<LogEntry> entries = new ArrayList<>(messages.size());
            int heldBefore = held.length();
            for (String message : messages) {
                LogEntry entry = new LogEntry(nextTime(), requestId, message);
                entries.add(entry);
                held.append(format(entry.time())).append('\t').append(requestId).append('\t').append(message).append('\n');
            }
            if (!hold) {
                writeHeld();
            }
            for (Consumer<LogEntry> follower : followers) {
                entries.forEach(follower);
            }
            return hold && heldBefore == 0;
        }

        synchronized void writeHeld() {
            if (held.length() == 0) {
                return;
            }
            byte[] bytes = held.toString().getBytes(StandardCharsets.UTF_8);
            held.setLength(0);
            try {
                if (out != null && size > 0 && size + bytes.length > maxFileBytes) {
                    rotate();
                }
                openFile();
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                size += bytes.length;
            } catch (IOException e) {
                LOG.warn("Could not write the log of {}: {}", directory.getFileName(), e.toString());
            }
        }

        /**
         * ISO-8601 with microseconds, which Instant.parse reads back; the date and the time of
         * day are formatted once a second (formatting every line's Instant took ~3 % of the
         * engine's CPU under load).
         */
        private String format(Instant time) {
            if (time.getEpochSecond() != formattedSecond) {
                formattedSecond = time.getEpochSecond();
                formattedSecondPrefix = SECOND.format(LocalDateTime.ofEpochSecond(formattedSecond, 0, ZoneOffset.UTC)) + '.';
            }
            return formattedSecondPrefix + Integer.toString(1_000_000 + time.getNano() / 1000).substring(1) + 'Z';
        }

        /** Microsecond times that never repeat or go back, so that one is a cursor. */
        private Instant nextTime() {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            last = now.isAfter(last) ? now : last.plus(1, ChronoUnit.MICROS);
            return last;
        }

        synchronized void open() {
            try {
                openFile();
            } catch (IOException e) {
                LOG.debug("Could not open the log of {} ahead", directory.getFileName(), e);
            }
        }

        private void openFile() throws IOException {
            if (out == null) {
                Files.createDirectories(directory);
                out = FileChannel.open(directory.resolve(FILE),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                size = out.size();
            }
        }

        private void rotate() throws IOException {
            closeFile();
            Files.deleteIfExists(file(files - 1));
            for (int i = files - 2; i >= 0; i--) {
                if (Files.exists(file(i))) {
                    Files.move(file(i), file(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }

        private Path file(int generation) {
            return directory.resolve(generation == 0 ? FILE : FILE + "." + generation);
        }

        synchronized void close() {
            writeHeld();
            closeFile();
        }

        private void closeFile() {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    // nothing left to save
                }
                out = null;
            }
        }

        /**
         * Reads the files oldest first. The files are opened and measured under the monitor, then
         * read without it, so that writers (the sandboxes' reactor) never wait for a reader:
         * rotation renames files but open handles keep reading what they opened.
         */
        LogPage read(LogQuery query) {
            List<InputStream> snapshot = new ArrayList<>();
            try {
                synchronized (this) {
                    writeHeld();
                    for (int generation = files - 1; generation >= 0; generation--) {
                        try {
                            FileChannel channel = FileChannel.open(file(generation), StandardOpenOption.READ);
                            snapshot.add(upTo(channel.size(), Channels.newInputStream(channel)));
                        } catch (NoSuchFileException e) {
                            // not rotated that far yet
                        }
                    }
                }
                ArrayDeque<LogEntry> kept = new ArrayDeque<>();
                boolean tail = query.since() == null;
                for (InputStream in : snapshot) {
                    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                    String line;
                    while ((line = reader.readLine()) != null) {
                        LogEntry entry = parse(line);
                        if (entry == null || !matches(entry, query)) {
                            continue;
                        }
                        kept.addLast(entry);
                        if (kept.size() > query.limit()) {
                            if (!tail) {
                                kept.removeLast();
                                return page(kept, query);
                            }
                            kept.removeFirst();
                        }
                    }
                }
                return page(kept, query);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                for (InputStream in : snapshot) {
                    try {
                        in.close();
                    } catch (IOException e) {
                        // read-only
                    }
                }
            }
        }

        private LogPage page(ArrayDeque<LogEntry> entries, LogQuery query) {
            Instant next = entries.isEmpty() ? query.since() : entries.getLast().time().plus(1, ChronoUnit.MICROS);
            return new LogPage(List.copyOf(entries), next);
        }
    }

    /** The first {@code limit} bytes of {@code in}: what was written when it was opened, never a line half-written since. */
    private static InputStream upTo(long limit, InputStream in) {
        return new BufferedInputStream(new FilterInputStream(in) {
            private long left = limit;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                left -= b < 0 ? 0 : 1;
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(buffer, offset, (int) Math.min(length, left));
                left -= Math.max(n, 0);
                return n;
            }
        }, 64 * 1024);
    }

    private static boolean matches(LogEntry entry, LogQuery query) {
        return (query.requestId() == null || query.requestId().equals(entry.requestId()))
                && (query.since() == null || !entry.time().isBefore(query.since()))
                && (query.until() == null || entry.time().isBefore(query.until()));
    }

    private static LogEntry parse(String line) {
        int first = line.indexOf('\t');
        int second = first < 0 ? -1 : line.indexOf('\t', first + 1);
        if (second < 0) {
            return null;
        }
        try {
            return new LogEntry(Instant.parse(line.substring(0, first)), line.substring(first + 1, second),
                    line.substring(second + 1));
        } catch (DateTimeParseException e) {
            return null; // a line torn by a crash
        }
    }
}
