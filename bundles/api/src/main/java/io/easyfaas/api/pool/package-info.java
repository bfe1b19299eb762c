/** What the controller's sandbox pool holds and has done: for /v1/runtimes and /metrics. */
@Export
@Version("2.0.0")
package io.easyfaas.api.pool;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
