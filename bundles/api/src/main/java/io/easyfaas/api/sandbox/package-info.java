/** Sandboxes: isolated runtimes that the controller specialises for one function and calls. */
@Export
@Version("3.2.0")
package io.easyfaas.api.sandbox;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
