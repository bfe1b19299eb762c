package io.easyfaas.api.runtime.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * A {@link Bundle} and {@link BundleContext} backed by directories, enough to activate a runtime
 * adapter outside a framework: {@code findEntries} lists files under a resources directory
 * (e.g. {@code src/main/resources}), {@code getDataFile} resolves in a data directory.
 */
public final class FakeBundle {

    private FakeBundle() {
    }

    /** A bundle whose entries are the files under {@code resources}. */
    public static Bundle bundle(Path resources, long lastModified) {
        return (Bundle) Proxy.newProxyInstance(FakeBundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getLastModified" -> lastModified;
                    case "getSymbolicName" -> "fake.bundle";
                    case "getBundleId" -> 42L;
                    case "findEntries" -> findEntries(resources, (String) args[0], (Boolean) args[2]);
                    case "toString" -> "FakeBundle[" + resources + "]";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A context of {@link #bundle} whose data area is {@code dataDirectory}. */
    public static BundleContext context(Bundle bundle, Path dataDirectory) {
        return (BundleContext) Proxy.newProxyInstance(FakeBundle.class.getClassLoader(),
                new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getBundle" -> bundle;
                    case "getDataFile" -> dataDirectory.resolve((String) args[0]).toFile();
                    case "getProperty" -> null;
                    case "toString" -> "FakeBundleContext[" + bundle + "]";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static Enumeration<URL> findEntries(Path resources, String folder, boolean recurse) {
        Path root = resources.resolve(folder.startsWith("/") ? folder.substring(1) : folder);
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> paths = recurse ? Files.walk(root) : Files.list(root)) {
            List<URL> urls = paths.filter(p -> !p.equals(root)).map(p -> toUrl(resources, p)).toList();
            return urls.isEmpty() ? null : Collections.enumeration(urls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // entry URLs look like a framework's: bundle://42.0:1/folder/file, a trailing slash for directories
    private static URL toUrl(Path resources, Path p) {
        String path = "/" + resources.relativize(p).toString().replace(File.separatorChar, '/')
                + (Files.isDirectory(p) ? "/" : "");
        try {
            return new URL("bundle", "42.0", 1, path, new URLStreamHandler() {
                @Override
                protected URLConnection openConnection(URL u) throws IOException {
                    return p.toUri().toURL().openConnection();
                }
            });
        } catch (MalformedURLException e) {
            throw new IllegalStateException(path, e);
        }
    }
}
