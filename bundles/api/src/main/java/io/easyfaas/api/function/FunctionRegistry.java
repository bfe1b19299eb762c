package io.easyfaas.api.function;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The durable store of functions. Every write is atomic: after a crash at any moment a function
 * is either fully as it was or fully as written. Invalid input raises
 * {@link io.easyfaas.api.FaasException} with {@code InvalidParameterValueException}.
 */
@ProviderType
public interface FunctionRegistry {

    /** Creates a function; fails with {@code ResourceConflictException} if the name exists. */
    FunctionConfiguration create(FunctionDefinition definition, byte[] zip);

    /** Creates the function, or replaces its code and configuration if it exists. */
    FunctionConfiguration createOrReplace(FunctionDefinition definition, byte[] zip);

    FunctionConfiguration updateCode(String functionName, byte[] zip);

    /** Applies the non-null fields of {@code changes}; its name is ignored. */
    FunctionConfiguration updateConfiguration(String functionName, FunctionDefinition changes);

    Optional<FunctionConfiguration> get(String functionName);

    /** All functions, ordered by name. */
    List<FunctionConfiguration> list();

    /** Deletes a function; fails with {@code ResourceNotFoundException} if there is none. */
    void delete(String functionName);

    /** The directory holding the unpacked code of this configuration (read it, never write it). */
    Path codeDirectory(FunctionConfiguration function);
}
