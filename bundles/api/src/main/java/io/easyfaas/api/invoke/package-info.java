/** Invoking functions: what the HTTP layer asks the controller and what comes back. */
@Export
@Version("1.1.0")
package io.easyfaas.api.invoke;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
