/** The function model and the registry that stores functions and their code. */
@Export
@Version("1.2.0")
package io.easyfaas.api.function;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
