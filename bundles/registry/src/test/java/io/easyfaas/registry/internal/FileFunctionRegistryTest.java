package io.easyfaas.registry.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.ErrorCode;
import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionConfiguration;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.runtime.RuntimeAdapter;

/** The OSGi shell, driven by hand: configuration, runtime tracking, delegation. */
class FileFunctionRegistryTest {

    @TempDir
    Path dir;

    FileFunctionRegistry.Config config(long maxZipped, long maxUnzipped) {
        String dataDir = dir.resolve("data").toString();
        return new FileFunctionRegistry.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return FileFunctionRegistry.Config.class;
            }

            @Override
            public String data_dir() {
                return dataDir;
            }

            @Override
            public long max_code_zipped_bytes() {
                return maxZipped;
            }

            @Override
            public long max_code_unzipped_bytes() {
                return maxUnzipped;
            }
        };
    }

    static RuntimeAdapter adapter(String... names) {
        return new RuntimeAdapter() {
            @Override
            public Set<String> runtimeNames() {
                return Set.of(names);
            }

            @Override
            public Path bootstrapDirectory() {
                return Path.of("/nonexistent");
            }

            @Override
            public List<String> command(String runtimeName, Path bootstrapDirectory) {
                return List.of();
            }
        };
    }

    @Test
    void runtimesAreTrackedAndUnknownOnesAreNamedSorted() {
        FileFunctionRegistry registry = new FileFunctionRegistry(config(1 << 20, 1 << 20));
        assertTrue(Files.isDirectory(dir.resolve("data/registry/functions")));
        assertTrue(Files.isDirectory(dir.resolve("data/registry/code")));
        byte[] zip = Zips.zip("index.js", "x");
        FunctionDefinition node = new FunctionDefinition("f", "nodejs20", "index.handler", null, null, null, null);

        FaasException none = assertThrows(FaasException.class, () -> registry.create(node, zip));
        assertEquals(ErrorCode.INVALID_PARAMETER_VALUE, none.errorCode());
        assertTrue(none.getMessage().endsWith("[]"), none.getMessage());

        RuntimeAdapter nodeAdapter = adapter("nodejs20", "nodejs12");
        RuntimeAdapter pythonAdapter = adapter("python3");
        registry.bindRuntime(pythonAdapter);
        registry.bindRuntime(nodeAdapter);
        assertEquals(List.of("nodejs12", "nodejs20", "python3"), List.copyOf(registry.installedRuntimes()));

        FunctionConfiguration f = registry.create(node, zip);
        assertEquals(List.of(f), registry.list());
        assertEquals(f, registry.get("f").orElseThrow());
        assertTrue(Files.isRegularFile(registry.codeDirectory(f).resolve("index.js")));
        assertTrue(registry.codeDirectory(f).startsWith(dir.resolve("data/registry/code").toAbsolutePath()));

        registry.unbindRuntime(nodeAdapter);
        FaasException unknown = assertThrows(FaasException.class,
                () -> registry.create(new FunctionDefinition("g", "nodejs20", "index.handler", null, null, null, null), zip));
        assertEquals(400, unknown.errorCode().status());
        assertTrue(unknown.getMessage().contains("Runtime"), unknown.getMessage());
        assertTrue(unknown.getMessage().endsWith("[python3]"), unknown.getMessage());

        // a function whose runtime went away can still be reconfigured and get new code
        registry.updateConfiguration("f", new FunctionDefinition(null, null, null, 256, null, null, null));
        registry.updateCode("f", Zips.zip("index.js", "y"));
        registry.delete("f");
        assertEquals(List.of(), registry.list());
    }

    @Test
    void limitsComeFromTheConfiguration() {
        FileFunctionRegistry registry = new FileFunctionRegistry(config(1 << 20, 1000));
        registry.bindRuntime(adapter("python3"));
        FaasException e = assertThrows(FaasException.class, () -> registry.create(
                new FunctionDefinition("f", "python3", "a.b", null, null, null, null), Zips.zeros("z", 2000)));
        assertEquals(ErrorCode.REQUEST_TOO_LARGE, e.errorCode());
    }

    @Test
    void reactivationSeesTheStoredFunctions() {
        FileFunctionRegistry first = new FileFunctionRegistry(config(1 << 20, 1 << 20));
        first.bindRuntime(adapter("python3"));
        FunctionConfiguration f = first.create(new FunctionDefinition("f", "python3", "a.b", null, null, null, null),
                Zips.zip("a.py", "def b(e, c): pass"));
        FileFunctionRegistry second = new FileFunctionRegistry(config(1 << 20, 1 << 20));
        assertEquals(List.of(f), second.list());
    }
}
