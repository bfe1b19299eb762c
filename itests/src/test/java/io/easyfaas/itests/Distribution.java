package io.easyfaas.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    /** Every core bundle at the start level the launcher gives it, without runtime plugins. */
    static List<Option> coreBundles() throws IOException {
        Properties launcher = new Properties();
        try (Reader reader = Files.newBufferedReader(HOME.resolve("conf/config.properties"))) {
            launcher.load(reader);
        }
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
}
