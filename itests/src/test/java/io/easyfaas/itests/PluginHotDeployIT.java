package io.easyfaas.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

import io.easyfaas.api.sandbox.SandboxManager;

/**
 * A third runtime, the template plugin, dropped into deploy/ of a running engine and deleted
 * again while one of its calls is in flight.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginHotDeployIT extends DeployFolderEngine {
    private static final String RUNTIME = "python3-minimal";
    private static final String PLUGIN_BSN = "io.easyfaas.runtime.template";
    private static final String HANDLER = "import time\n"
            + "def handler(event, context):\n"
            + "    time.sleep(event.get('sleep', 0))\n"
            + "    return 'minimal ' + event.get('name', '')\n";

    @Test
    public void aDroppedPluginServesCallsAndDeletingItWithdrawsItsRuntime() throws Exception {
        assertRefusedAsNotInstalled(engine.deploy("minimal-early", RUNTIME, "app.handler", 10, "app.py", HANDLER));

        long dropped = System.nanoTime();
        Path jar = drop(Files.readAllBytes(Path.of(System.getProperty(TEMPLATE_PLUGIN))),
                "template-plugin.jar");
        HttpResponse<String> deployed;
        do {
            deployed = engine.deploy("minimal", RUNTIME, "app.handler", 10, "app.py", HANDLER);
        } while (deployed.statusCode() == 400 && sleepUntil(dropped, 5));
        assertEquals(deployed.body(), 201, deployed.statusCode());
        HttpResponse<String> call = engine.invoke("minimal", "{\"name\":\"ann\"}");
        long servedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dropped);
        assertEquals(call.body(), 200, call.statusCode());
        assertEquals("\"minimal ann\"", call.body());
        assertTrue("the dropped plugin served its first call " + servedMillis + " ms after the drop", servedMillis < 5000);
        assertTrue(funcletRuntimes().contains(RUNTIME));

        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(
                () -> engine.invoke("minimal", "{\"name\":\"bob\",\"sleep\":2}"));
        Thread.sleep(300); // let the call reach its sandbox
        Files.delete(jar);
        long deleted = System.nanoTime();
        HttpResponse<String> late;
        do {
            late = engine.deploy("minimal-late", RUNTIME, "app.handler", 10, "app.py", HANDLER);
        } while (late.statusCode() == 201 && engine.delete("/v1/functions/minimal-late").statusCode() == 204
                && sleepUntil(deleted, 10));
        assertRefusedAsNotInstalled(late);
        // the registry and the funclet each let the runtime go when SCR unbinds it from them, one after the other
        while (funcletRuntimes().contains(RUNTIME) && sleepUntil(deleted, 10)) {
            continue;
        }
        assertFalse("the funclet withdrew the runtime", funcletRuntimes().contains(RUNTIME));
        // the runtime is withdrawn when the bundle stops; FileInstall uninstalls and refreshes after
        while (pluginInstalled() && sleepUntil(deleted, 10)) {
            continue;
        }
        assertFalse("the plugin bundle is uninstalled", pluginInstalled());

        HttpResponse<String> finished = inFlight.get(30, TimeUnit.SECONDS);
        assertEquals("the call in flight when the jar went away finishes: " + finished.body(), 200, finished.statusCode());
        assertEquals("\"minimal bob\"", finished.body());
        assertNull(finished.headers().firstValue("X-easyfaas-Function-Error").orElse(null));
    }

    /** 400 naming the installed runtimes, among which the plugin's is not. */
    private static void assertRefusedAsNotInstalled(HttpResponse<String> response) {
        assertEquals(response.body(), 400, response.statusCode());
        String body = response.body();
        int list = body.indexOf("installed runtime");
        assertTrue(body, list > 0);
        String installed = body.substring(list);
        assertTrue(body, installed.contains("nodejs20") && installed.contains("python3"));
        assertFalse(body, installed.contains(RUNTIME));
    }

    private boolean pluginInstalled() {
        return Arrays.stream(context.getBundles())
                .anyMatch(b -> PLUGIN_BSN.equals(b.getSymbolicName()) && b.getState() != Bundle.UNINSTALLED);
    }

    /** The runtimes the funclet can start now. */
    private Set<String> funcletRuntimes() {
        ServiceReference<SandboxManager> reference = context.getServiceReference(SandboxManager.class);
        try {
            return context.getService(reference).runtimes();
        } finally {
            context.ungetService(reference);
        }
    }

    /** Sleeps a little; false once {@code seconds} have passed since {@code startNanos}. */
    private static boolean sleepUntil(long startNanos, int seconds) throws InterruptedException {
        if (System.nanoTime() - startNanos > TimeUnit.SECONDS.toNanos(seconds)) {
            return false;
        }
        Thread.sleep(50);
        return true;
    }
}
