package io.easyfaas.runtime.nodejs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

import io.easyfaas.api.runtime.BootstrapFiles;
import io.easyfaas.api.runtime.testing.FakeBundle;
import io.easyfaas.api.runtime.testing.RuntimeHarness;

class NodejsRuntimeAdapterTest {

    @TempDir
    Path data;

    static NodejsRuntimeAdapter.Config config(String interpreter) {
        return new NodejsRuntimeAdapter.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NodejsRuntimeAdapter.Config.class;
            }

            @Override
            public String interpreter() {
                return interpreter;
            }
        };
    }

    BundleContext context() {
        return FakeBundle.context(FakeBundle.bundle(Path.of("src/main/resources").toAbsolutePath(), 1234L), data);
    }

    @Test
    void activatesWithDefaultInterpreterAndStartsARuntime() throws Exception {
        assumeTrue(BootstrapFiles.firstExecutable(NodejsRuntimeAdapter.DEFAULT_INTERPRETERS).isPresent());
        NodejsRuntimeAdapter adapter = new NodejsRuntimeAdapter(config(""), context());
        Set<String> names = adapter.runtimeNames();
        assertTrue(names.containsAll(Set.of("nodejs10", "nodejs12", "nodejs20")), names::toString);
        int major = NodejsRuntimeAdapter.majorVersion(Path.of(adapter.command("nodejs20", Path.of("/b")).get(0))).orElseThrow();
        assertTrue(names.contains("nodejs" + major), () -> names + " lacks the machine's node " + major);
        Path dir = adapter.bootstrapDirectory();
        assertTrue(dir.startsWith(data));
        assertEquals(Files.readString(Path.of("src/main/resources/bootstrap/index.js")),
                Files.readString(dir.resolve("index.js")));
        List<String> command = adapter.command("nodejs12", dir);
        assertTrue(command.get(0).startsWith("/usr/") && command.get(0).endsWith("/node"), command::toString);
        assertEquals(dir.resolve("index.js").toString(), command.get(command.size() - 1));
        assertThrows(IllegalArgumentException.class, () -> adapter.command("python3", dir));
        try (RuntimeHarness runtime = RuntimeHarness.start(command)) {
            assertEquals("hello", runtime.hello().type());
        }
    }

    @Test
    void configuredInterpreterIsUsed() throws Exception {
        Path fake = Files.createFile(data.resolve("mynode"));
        assertTrue(fake.toFile().setExecutable(true));
        NodejsRuntimeAdapter adapter = new NodejsRuntimeAdapter(config(fake.toString()), context());
        assertEquals(fake.toString(), adapter.command("nodejs20", Path.of("/b")).get(0));
    }

    @Test
    void theMajorVersionOfTheNodeFoundIsARuntimeName() throws Exception {
        Path node = fakeNode("echo v18.19.1");
        assertEquals(List.of("nodejs10", "nodejs12", "nodejs20", "nodejs18"),
                List.copyOf(NodejsRuntimeAdapter.runtimes(node).keySet()));
        assertEquals(List.of("nodejs10", "nodejs12", "nodejs20"),
                List.copyOf(NodejsRuntimeAdapter.runtimes(fakeNode("echo not a version")).keySet()));
    }

    @Test
    void theVersionQueryRunsWithAnEmptyEnvironment() throws Exception {
        Path node = fakeNode("test -z \"$NODE_EXTRA_CA_CERTS$NODE_OPTIONS\" && echo v22.1.0");
        assertEquals(22, NodejsRuntimeAdapter.majorVersion(node).orElseThrow());
    }

    private Path fakeNode(String script) throws Exception {
        Path node = data.resolve("node-" + Math.abs(script.hashCode()));
        Files.writeString(node, "#!/bin/sh\n" + script + "\n");
        assertTrue(node.toFile().setExecutable(true));
        return node;
    }

    @Test
    void missingInterpreterFailsActivation() {
        assertThrows(IllegalStateException.class,
                () -> new NodejsRuntimeAdapter(config(data.resolve("absent").toString()), context()));
        assertFalse(Files.exists(data.resolve("runtime")), "nothing extracted");
    }
}
