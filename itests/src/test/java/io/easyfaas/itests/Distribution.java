package io.easyfaas.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.Reader;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.ops4j.pax.exam.Option;

/**
 * The install folder that {@code mvn package} leaves in distribution/target: the tests run the
 * very bundles, start levels and configuration files that users run.
 */
final class Distribution {
    static final Path HOME = Path.of(System.getProperty("easyfaas.home", "../distribution/target/easyfaas")).toAbsolutePath().normalize();
    /** The level runtime plugins start at, after every core bundle. */
    static final int PLUGIN_START_LEVEL = 7;

    private Distribution() {
    }

    /** A temporary copy of the shipped config/ folder, for a test to adjust before the engine reads it. */
    static Path configCopy() throws IOException {
        Path config = Files.createTempDirectory("easyfaas-it-config");
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("easyfaas.config.source", "../config")))) {
            for (Path file : files.toList()) {
                Files.copy(file, config.resolve(file.getFileName()));
            }
        }
        return config;
    }

    /**
     * The engine in Pax Exam's container: every bundle, configured from {@code config} (watched
     * every {@code pollMillis}), data in {@code data}, HTTP on a free port given as the system
     * property {@code easyfaas.http.port}.
     */
    static List<Option> engine(Path config, Path data, int pollMillis) throws IOException {
        List<Option> options = new ArrayList<>(bundles());
        options.add(systemProperty("easyfaas.http.port").value(Integer.toString(freePort())));
        options.add(systemProperty("easyfaas.data.dir").value(data.toString()));
        options.addAll(fileInstall(config.toString(), pollMillis));
        options.add(frameworkStartLevel(PLUGIN_START_LEVEL + 1));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(junitBundles());
        options.add(cleanCaches());
        return options;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Every core bundle at the start level the launcher gives it, then the shipped runtime plugins. */
    static List<Option> bundles() throws IOException {
        List<Option> options = coreBundles();
        for (Path plugin : pluginJars()) {
            options.add(bundle(plugin.toUri().toString()).startLevel(PLUGIN_START_LEVEL));
        }
        return options;
    }

    /** The runtime plugin jars the distribution ships in deploy/. */
    static List<Path> pluginJars() throws IOException {
        try (Stream<Path> plugins = Files.list(HOME.resolve("deploy"))) {
            return plugins.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    /**
     * FileInstall as the launcher sets it up (conf/config.properties: its filter, start level, and
     * no writing back into the config files, which would race with the test's own reads), watching
     * {@code directories} every {@code pollMillis}.
     */
    static List<Option> fileInstall(String directories, int pollMillis) throws IOException {
        Properties launcher = launcherProperties();
        List<Option> options = new ArrayList<>();
        for (String key : launcher.stringPropertyNames()) {
            if (key.startsWith("felix.fileinstall.") && !key.equals("felix.fileinstall.dir") && !key.equals("felix.fileinstall.poll")) {
                options.add(systemProperty(key).value(launcher.getProperty(key).trim()));
            }
        }
        options.add(systemProperty("felix.fileinstall.dir").value(directories));
        options.add(systemProperty("felix.fileinstall.poll").value(Integer.toString(pollMillis)));
        return options;
    }

    private static Properties launcherProperties() throws IOException {
        Properties launcher = new Properties();
        try (Reader reader = Files.newBufferedReader(HOME.resolve("conf/config.properties"))) {
            launcher.load(reader);
        }
        return launcher;
    }

    /** Every core bundle at the start level the launcher gives it, without runtime plugins. */
    static List<Option> coreBundles() throws IOException {
        Properties launcher = launcherProperties();
        List<Option> options = new ArrayList<>();
        for (String key : launcher.stringPropertyNames()) {
            if (key.startsWith("felix.auto.start.")) {
                int level = Integer.parseInt(key.substring("felix.auto.start.".length()));
                for (String url : launcher.getProperty(key).trim().split("\\s+")) {
                    Path jar = HOME.resolve(url.substring("file:".length()));
                    options.add(bundle(jar.toUri().toString()).startLevel(level));
                }
            }
        }
        return options;
    }

    /**
     * A Pax Exam configuration that runs the engine in Felix as users run it: every bundle, the
     * shipped config files (with {@code configFiles} written over them, name to content), a
     * fresh data directory, and the HTTP port in the system property {@code easyfaas.http.port}.
     */
    static Option[] engine(Map<String, String> configFiles) throws IOException {
        Path config = configCopy();
        for (Map.Entry<String, String> file : configFiles.entrySet()) {
            Files.writeString(config.resolve(file.getKey()), file.getValue());
        }
        return engine(config, Files.createTempDirectory("easyfaas-it-data"), 500).toArray(Option[]::new);
    }

}
