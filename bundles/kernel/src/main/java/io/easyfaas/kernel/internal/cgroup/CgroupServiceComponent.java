package io.easyfaas.kernel.internal.cgroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.easyfaas.api.kernel.Cgroup;
import io.easyfaas.api.kernel.CgroupService;
import io.easyfaas.api.kernel.KernelException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's cgroups as a service, through the driver the probe picks at activation. On a host
 * with neither usable version the component fails to activate, so no CgroupService is offered.
 */
@Component(service = CgroupService.class, immediate = true, configurationPid = "io.easyfaas.kernel.cgroups")
@Designate(ocd = CgroupServiceComponent.Config.class)
public class CgroupServiceComponent implements CgroupService {
    private static final Logger LOG = LoggerFactory.getLogger(CgroupServiceComponent.class);

    @ObjectClassDefinition(name = "EasyFaaS control groups", description = "Where sandbox cgroups are made")
    public @interface Config {
        @AttributeDefinition(description = "Where the cgroup file systems are mounted: the v2 hierarchy itself,"
                + " or the directory holding one v1 hierarchy per controller")
        String root() default "/sys/fs/cgroup";

        @AttributeDefinition(description = "Where a named cgroup hierarchy with the favordynmods option is mounted, which"
                + " makes moving a sandbox into its cgroup cheap (no RCU grace period); empty to leave the kernel's default")
        String favordynmods_mount() default "/run/easyfaas/cgroup-favordynmods";
    }

    private final CgroupService driver;
    private final FastMigrations fastMigrations;

    @Activate
    public CgroupServiceComponent(Config config) {
        driver = CgroupDrivers.probe(Path.of(config.root())).orElseThrow(() -> new KernelException("no usable cgroups under "
                + config.root() + ": v2 needs memory, cpu and pids in cgroup.controllers, v1 needs the "
                + String.join(", ", V1Hierarchies.CONTROLLERS) + " hierarchies", 0));
        fastMigrations = fastMigrations(config.favordynmods_mount());
        LOG.info("Cgroups {} under {} with {}; sandbox migrations {}", driver.version(), config.root(), driver.controllers(),
                fastMigrations == null ? "wait for an RCU grace period each" : "are cheap (favordynmods)");
    }

    private static FastMigrations fastMigrations(String mountPoint) {
        if (mountPoint.isBlank()) {
            return null;
        }
        try {
            return FastMigrations.enable(Path.of(mountPoint));
        } catch (IOException e) {
            LOG.warn("Cannot make cgroup migrations cheap ({}); each sandbox start waits for an RCU grace period", e.getMessage());
            return null;
        }
    }

    @Deactivate
    void deactivate() {
        if (fastMigrations != null) {
            fastMigrations.close();
        }
    }

    @Override
    public String version() {
        return driver.version();
    }

    @Override
    public List<String> controllers() {
        return driver.controllers();
    }

    @Override
    public Cgroup create(String path) {
        return driver.create(path);
    }

    @Override
    public Optional<Cgroup> find(String path) {
        return driver.find(path);
    }

    @Override
    public List<String> children(String path) {
        return driver.children(path);
    }
}
