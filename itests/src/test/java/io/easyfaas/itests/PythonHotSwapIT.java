package io.easyfaas.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;

import io.easyfaas.api.runtime.RuntimeAdapter;

/**
 * The python3 plugin jar replaced by new revisions, 20 times, while a load generator calls a
 * Python function on warm sandboxes and another thread makes a cold start after another: no
 * call fails, sandboxes started after a swap run that revision's bootstrap,
 * and the old revisions' class loaders are released.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PythonHotSwapIT extends DeployFolderEngine {
    private static final String PLUGIN_BSN = "io.easyfaas.runtime.python3";
    private static final String BOOTSTRAP_ENTRY = "bootstrap/bootstrap.py";
    private static final int SWAPS = 20;
    private static final int LOAD_THREADS = 3;

    private static String marker(int revision) {
        return "# easyfaas-it revision " + revision + "\n";
    }

    /**
     * A function that reports which bootstrap its sandbox started with: the marker lines of the
     * bootstrap source in the directory of the file the interpreter runs (that source compiled,
     * or the source itself), read once when the module loads.
     */
    private static String probe(int revision) {
        return "import os, sys\n"
                + "try:\n"
                + "    with open(os.path.join(os.path.dirname(sys.argv[0]), 'bootstrap.py')) as f:\n"
                + "        MARKS = [l.strip() for l in f if l.startswith('# easyfaas-it revision')]\n"
                + "except OSError as e:\n"
                + "    MARKS = ['unreadable: %s' % e]\n"
                + "def handler(event, context):\n"
                + "    return {'mark': MARKS[-1] if MARKS else 'original', 'code': " + revision + "}\n";
    }

    @Test
    public void replacingThePluginUnderLoadFailsNoCallAndReleasesOldRevisions() throws Exception {
        assertEquals(201, engine.deploy("load", "python3", "index.handler", 10, "index.py",
                "import os\ndef handler(event, context):\n    return os.getpid()\n").statusCode());
        assertEquals(201, engine.deploy("probe", "python3", "index.handler", 10, "index.py", probe(0)).statusCode());
        assertEquals(201, engine.deploy("churn", "python3", "index.handler", 10, "index.py",
                "import os\ndef handler(event, context):\n    return os.environ['ROUND']\n").statusCode());
        Path pluginJar;
        try (Stream<Path> files = Files.list(deployFolder())) {
            pluginJar = files.filter(p -> p.getFileName().toString().contains("python3")).findFirst().orElseThrow();
        }
        byte[] original = Files.readAllBytes(pluginJar);

        List<WeakReference<ClassLoader>> replacedLoaders = new ArrayList<>();
        replacedLoaders.add(new WeakReference<>(adapterLoader(null)));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger coldStarts = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService load = Executors.newFixedThreadPool(LOAD_THREADS + 1);
        try {
            // every churn call is a cold start: a new configuration revision needs a new sandbox
            load.execute(() -> {
                for (int round = 0; !stop.get(); round++) {
                    try {
                        HttpResponse<String> configured = engine.put("/v1/functions/churn/configuration",
                                ("{\"Environment\":{\"Variables\":{\"ROUND\":\"" + round + "\"}}}").getBytes(StandardCharsets.UTF_8));
                        HttpResponse<String> r = engine.invoke("churn", "{}");
                        if (configured.statusCode() != 200 || r.statusCode() != 200 || !r.body().equals("\"" + round + "\"")) {
                            failures.add("cold start: " + configured.statusCode() + " " + r.statusCode() + " " + r.body());
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                    coldStarts.incrementAndGet();
                }
            });
            for (int i = 0; i < LOAD_THREADS; i++) {
                load.execute(() -> {
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = engine.invoke("load", "{}");
                            if (r.statusCode() != 200 || r.headers().firstValue("X-easyfaas-Function-Error").isPresent()) {
                                failures.add(r.statusCode() + " " + r.body());
                            }
                        } catch (RuntimeException e) {
                            failures.add(e.toString());
                        }
                        calls.incrementAndGet();
                    }
                });
            }
            for (int revision = 1; revision <= SWAPS; revision++) {
                drop(withBootstrapMarker(original, marker(revision)), pluginJar.getFileName().toString());
                ClassLoader loader = adapterLoader(marker(revision));
                if (revision < SWAPS) {
                    replacedLoaders.add(new WeakReference<>(loader));
                }
                loader = null;
                HttpResponse<String> recoded = engine.put("/v1/functions/probe/code", Zips.of("index.py", probe(revision)));
                assertEquals(recoded.body(), 200, recoded.statusCode());
                HttpResponse<String> probed = engine.invoke("probe", "{}");
                assertEquals(probed.body(), 200, probed.statusCode());
                assertTrue("a sandbox started after swap " + revision + " runs its bootstrap: " + probed.body(),
                        probed.body().contains("\"mark\": \"" + marker(revision).strip() + "\""));
            }
        } finally {
            stop.set(true);
            load.shutdown();
            assertTrue(load.awaitTermination(60, TimeUnit.SECONDS));
        }
        System.out.println("PythonHotSwapIT: " + calls + " warm calls and " + coldStarts + " cold starts across " + SWAPS
                + " swaps, " + failures.size() + " failed");
        assertEquals("failed calls out of " + (calls.get() + coldStarts.get()) + ": " + failures.stream().limit(5).toList(), 0, failures.size());
        assertTrue("the load ran across the swaps: " + calls, calls.get() > SWAPS * LOAD_THREADS);

        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        assertEquals("no old revision waits for a refresh", List.of(), List.copyOf(wiring.getRemovalPendingBundles()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long alive;
        do {
            System.gc();
            Thread.sleep(200);
            alive = replacedLoaders.stream().filter(ref -> ref.get() != null).count();
        } while (alive > 0 && System.nanoTime() < deadline);
        assertEquals("class loaders of replaced plugin revisions still reachable, of " + replacedLoaders.size(), 0, alive);
    }

    /**
     * Waits for the python3 adapter whose bootstrap holds {@code marker} ({@code null}: the
     * adapter there is now) and answers its class loader, holding no reference to the service.
     */
    private ClassLoader adapterLoader(String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (ServiceReference<RuntimeAdapter> reference : context.getServiceReferences(RuntimeAdapter.class, null)) {
                if (reference.getBundle() == null || !PLUGIN_BSN.equals(reference.getBundle().getSymbolicName())) {
                    continue;
                }
                RuntimeAdapter adapter = context.getService(reference);
                try {
                    if (adapter != null && (marker == null
                            || Files.readString(adapter.bootstrapDirectory().resolve("bootstrap.py")).endsWith(marker))) {
                        return adapter.getClass().getClassLoader();
                    }
                } catch (IOException e) {
                    // that revision's files were just replaced: look again
                } finally {
                    context.ungetService(reference);
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no python3 adapter with bootstrap marker " + marker + " within 30 s");
    }

    /** The jar with {@code marker} appended to the bootstrap, every other entry as it was. */
    private static byte[] withBootstrapMarker(byte[] jar, String marker) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(jar.length + 64);
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar));
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                if (entry.getName().equals(BOOTSTRAP_ENTRY)) {
                    content = (new String(content, StandardCharsets.UTF_8) + marker).getBytes(StandardCharsets.UTF_8);
                }
                zip.putNextEntry(new ZipEntry(entry.getName()));
                zip.write(content);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
