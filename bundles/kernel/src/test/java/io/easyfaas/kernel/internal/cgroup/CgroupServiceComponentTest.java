package io.easyfaas.kernel.internal.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;

import io.easyfaas.api.kernel.KernelException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupServiceComponentTest {

    @Test
    void usesTheDriverTheConfiguredRootSupports(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpu memory pids\n");

        assertEquals("v2", new CgroupServiceComponent(config(root)).version());
    }

    @Test
    void refusesToActivateWithoutUsableCgroups(@TempDir Path root) {
        KernelException e = assertThrows(KernelException.class, () -> new CgroupServiceComponent(config(root)));

        assertTrue(e.getMessage().contains("no usable cgroups under " + root), e.getMessage());
    }

    private static CgroupServiceComponent.Config config(Path root) {
        return new CgroupServiceComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return CgroupServiceComponent.Config.class;
            }

            @Override
            public String root() {
                return root.toString();
            }

            @Override
            public String favordynmods_mount() {
                return "";
            }
        };
    }
}
