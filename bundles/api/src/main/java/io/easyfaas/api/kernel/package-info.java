/** What the host kernel lets the engine do. */
@Export
@Version("1.2.0")
package io.easyfaas.api.kernel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
