/** Functions' logs: what their calls wrote, kept per function by the engine. */
@Export
@Version("1.0.0")
package io.easyfaas.api.logs;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
