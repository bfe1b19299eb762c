package io.easyfaas.itests;

import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import javax.inject.Inject;

import org.junit.Before;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.BundleContext;

/**
 * Base of tests on an engine whose {@code deploy/} is a fresh folder watched by FileInstall, as
 * in the distribution: the shipped plugins are copied into it, so FileInstall owns them and the
 * tests can drop, replace and delete plugin jars while the engine serves calls. The probe runs
 * in the same JVM, so it finds the folder and the port in system properties. Subclasses are
 * Pax Exam tests ({@code @RunWith(PaxExam.class)}, {@code @ExamReactorStrategy(PerClass.class)}).
 */
public abstract class DeployFolderEngine {
    static final String DEPLOY_DIR = "easyfaas.it.deploy.dir";
    static final String PORT = "easyfaas.http.port";
    /** The template plugin jar the reactor built (set by the itests pom). */
    static final String TEMPLATE_PLUGIN = "easyfaas.template.plugin";

    @Inject
    protected BundleContext context;

    protected EngineClient engine;

    @Configuration
    public Option[] engineOptions() throws IOException {
        Path data = Files.createTempDirectory("easyfaas-it-data");
        Path config = Distribution.configCopy();
        Path deploy = Files.createTempDirectory("easyfaas-it-deploy");
        for (Path plugin : Distribution.pluginJars()) {
            Files.copy(plugin, deploy.resolve(plugin.getFileName()));
        }
        List<Option> options = Distribution.coreBundles();
        options.add(systemProperty(PORT).value(Integer.toString(Distribution.freePort())));
        options.add(systemProperty(DEPLOY_DIR).value(deploy.toString()));
        options.add(systemProperty("easyfaas.data.dir").value(data.toString()));
        options.addAll(Distribution.fileInstall(config + "," + deploy, 500));
        options.add(frameworkStartLevel(Distribution.PLUGIN_START_LEVEL + 1));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(junitBundles());
        options.add(cleanCaches());
        return options(options.toArray(Option[]::new));
    }

    @Before
    public void waitForEngine() throws InterruptedException {
        engine = new EngineClient(Integer.parseInt(System.getProperty(PORT)));
        engine.awaitReady(() -> true);
    }

    static Path deployFolder() {
        return Path.of(System.getProperty(DEPLOY_DIR));
    }

    /**
     * Puts {@code jar} into deploy/ as {@code name} in one rename, so FileInstall never reads a
     * half-written file; an existing file of that name is replaced (an update of its bundle).
     */
    static Path drop(byte[] jar, String name) throws IOException {
        Path staged = Files.createTempFile(deployFolder().getParent(), "staged-", ".jar");
        Files.write(staged, jar);
        return Files.move(staged, deployFolder().resolve(name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

}
