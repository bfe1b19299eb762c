package io.easyfaas.itests;

import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.ops4j.pax.exam.Option;

/**
 * Pax Exam options that boot the distribution's bundles on a free port with a fresh data
 * directory and a copy of the shipped config/, some of whose files a test may replace.
 */
final class EngineOptions {

    private EngineOptions() {
    }

    /** @param replacedConfigFiles config file name to its whole content */
    static Option[] withConfig(Map<String, String> replacedConfigFiles) throws IOException {
        Path data = Files.createTempDirectory("easyfaas-it-data");
        Path config = Files.createTempDirectory("easyfaas-it-config");
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("easyfaas.config.source", "../config")))) {
            for (Path file : files.toList()) {
                Files.copy(file, config.resolve(file.getFileName()));
            }
        }
        for (Map.Entry<String, String> file : replacedConfigFiles.entrySet()) {
            Files.writeString(config.resolve(file.getKey()), file.getValue());
        }
        List<Option> options = new ArrayList<>(Distribution.bundles());
        options.add(systemProperty("easyfaas.http.port").value(Integer.toString(freePort())));
        options.add(systemProperty("easyfaas.data.dir").value(data.toString()));
        options.add(systemProperty("felix.fileinstall.dir").value(config.toString()));
        options.add(systemProperty("felix.fileinstall.noInitialDelay").value("true"));
        options.add(systemProperty("felix.fileinstall.poll").value("500"));
        options.add(frameworkStartLevel(Distribution.PLUGIN_START_LEVEL + 1));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(junitBundles());
        options.add(cleanCaches());
        return options(options.toArray(Option[]::new));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
