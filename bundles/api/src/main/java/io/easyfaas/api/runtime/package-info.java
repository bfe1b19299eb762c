/**
 * The runtime plugin SPI. A language runtime is a bundle registering {@link RuntimeAdapter}
 * services; {@link RuntimeProtocol} is what its bootstrap speaks with the engine.
 */
@Export
@Version("1.4.0")
package io.easyfaas.api.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
