package io.easyfaas.runtime.template.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.runtime.BootstrapFiles;
import io.easyfaas.api.runtime.testing.FakeBundle;
import io.easyfaas.api.runtime.testing.RuntimeHarness;

/** The template plugin serves calls: what a plugin author's first test looks like. */
class MinimalPythonRuntimeAdapterTest {

    @TempDir
    Path data;

    @TempDir
    Path code;

    private MinimalPythonRuntimeAdapter adapter;

    @BeforeEach
    void activate() throws Exception {
        assumeTrue(BootstrapFiles.firstExecutable(MinimalPythonRuntimeAdapter.DEFAULT_INTERPRETERS).isPresent());
        MinimalPythonRuntimeAdapter.Config config = new MinimalPythonRuntimeAdapter.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return MinimalPythonRuntimeAdapter.Config.class;
            }

            @Override
            public String interpreter() {
                return "";
            }
        };
        adapter = new MinimalPythonRuntimeAdapter(config,
                FakeBundle.context(FakeBundle.bundle(Path.of("src/main/resources").toAbsolutePath(), 1L), data));
        Files.createDirectories(code.resolve("pkg"));
        Files.writeString(code.resolve("pkg/app.py"), "import os\n"
                + "def handler(event, context):\n"
                + "    if event.get('fail'):\n"
                + "        raise KeyError('missing')\n"
                + "    return {'hello': event['name'], 'id': context.aws_request_id, 'env': os.environ.get('GREETING')}\n");
    }

    @Test
    void servesTheMinimalRuntime() throws Exception {
        assertEquals(Set.of("python3-minimal"), adapter.runtimeNames());
        try (RuntimeHarness runtime = RuntimeHarness.start(adapter.command("python3-minimal", adapter.bootstrapDirectory()))) {
            assertEquals("python3-minimal", runtime.hello().header().get("runtime"));
            RuntimeHarness.Frame init = runtime.init("pkg/app.handler", code, java.util.Map.of("GREETING", "hi"), 3000);
            assertFalse(init.error(), init::toString);
            assertEquals("init", init.id());

            RuntimeHarness.Frame ok = runtime.invoke("r1", "{\"name\":\"ann\"}");
            assertEquals("r1", ok.id());
            assertFalse(ok.error(), ok::toString);
            assertEquals(java.util.Map.of("hello", "ann", "id", "r1", "env", "hi"), ok.payloadObject());

            RuntimeHarness.Frame failed = runtime.invoke("r2", "{\"fail\":true}");
            assertTrue(failed.error());
            assertEquals("KeyError", failed.payloadObject().get("errorType"));
        }
    }

    @Test
    void aMissingModuleIsAnImportError() throws Exception {
        try (RuntimeHarness runtime = RuntimeHarness.start(adapter.command("python3-minimal", adapter.bootstrapDirectory()))) {
            RuntimeHarness.Frame init = runtime.init("nothere.handler", code);
            assertTrue(init.error());
            assertEquals("Runtime.ImportModuleError", init.payloadObject().get("errorType"));
            RuntimeHarness.Frame call = runtime.invoke("r1", "{}");
            assertTrue(call.error());
            assertEquals("Runtime.ImportModuleError", call.payloadObject().get("errorType"));
        }
    }
}
