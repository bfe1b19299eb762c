package io.easyfaas.registry.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.function.FunctionEnvironment;

/**
 * The child process of {@link CrashConsistencyTest}: opens the store in the directory given as
 * argument, prints {@code READY}, then rewrites a few functions with alternating code packages
 * (and now and then deletes one) until it is killed. Generation {@code g} of a function has the
 * zip {@link #zip(int)}, whose {@code marker.txt} says {@code gen-g}, and the description
 * {@code gen-g}; so a reader can tell whether metadata and code belong together.
 */
public final class CrashWriter {

    static final List<String> NAMES = List.of("alpha", "beta", "gamma");
    static final int GENERATIONS = 6;
    static final Set<String> RUNTIMES = Set.of("python3");

    private CrashWriter() {
    }

    /** The files of generation {@code g}: a marker, a handler and some bulk so that unpacking takes a while. */
    static Map<String, String> files(int g) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("marker.txt", "gen-" + g);
        files.put("app.py", "def handler(event, context):\n    return 'gen-" + g + "'\n");
        Random random = new Random(g);
        for (int i = 0; i < 24; i++) {
            StringBuilder text = new StringBuilder();
            for (int j = 0; j < 24_000; j++) {
                text.append((char) ('a' + random.nextInt(26)));
            }
            files.put("payload/" + (i % 4) + "/part-" + i + ".txt", text.toString());
        }
        return files;
    }

    static byte[] zip(int g) {
        return Zips.zip(files(g));
    }

    static String description(int g) {
        return "gen-" + g;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        byte[][] zips = new byte[GENERATIONS][];
        for (int g = 0; g < GENERATIONS; g++) {
            zips[g] = zip(g);
        }
        // warm up (class loading, JIT, Jackson introspection) on a scratch store, so that the
        // parent's kill lands among real writes rather than in the first, slow one
        Path scratch = root.resolveSibling("warmup-" + ProcessHandle.current().pid());
        FunctionStore warmup = FunctionStore.open(scratch, FunctionStore.DEFAULT_MAX_ZIPPED_BYTES,
                FunctionStore.DEFAULT_MAX_UNZIPPED_BYTES, () -> RUNTIMES, (runtime, code) -> { });
        Random random = new Random();
        for (int i = 0; i < 2 * GENERATIONS; i++) {
            write(warmup, random, zips);
        }
        FileSystemSync.deleteTree(scratch);

        FunctionStore store = FunctionStore.open(root, FunctionStore.DEFAULT_MAX_ZIPPED_BYTES,
                FunctionStore.DEFAULT_MAX_UNZIPPED_BYTES, () -> RUNTIMES, (runtime, code) -> { });
        System.out.println("READY");
        System.out.flush();
        while (true) {
            write(store, random, zips);
        }
    }

    private static void write(FunctionStore store, Random random, byte[][] zips) {
        String name = NAMES.get(random.nextInt(NAMES.size()));
        if (random.nextInt(10) == 0 && store.get(name).isPresent()) {
            store.delete(name);
            return;
        }
        int g = random.nextInt(GENERATIONS);
        store.createOrReplace(new FunctionDefinition(name, "python3", "app.handler", 128 + g, 3 + g,
                description(g), new FunctionEnvironment(Map.of("GENERATION", Integer.toString(g)))), zips[g]);
    }
}
