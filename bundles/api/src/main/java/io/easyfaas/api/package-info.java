/** Errors every EasyFaaS bundle raises and the HTTP layer maps to status codes. */
@Export
@Version("1.0.0")
package io.easyfaas.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
