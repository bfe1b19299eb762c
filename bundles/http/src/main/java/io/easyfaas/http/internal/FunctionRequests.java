package io.easyfaas.http.internal;

import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.easyfaas.api.FaasException;
import io.easyfaas.api.function.FunctionDefinition;
import io.easyfaas.api.function.FunctionEnvironment;

/**
 * Turns management request bodies into definitions and code, with a 400 that names the field
 * for anything malformed. Unknown fields are ignored so that EasyFaaS clients' extra fields pass.
 */
final class FunctionRequests {
    private static final byte[] ZIP_MAGIC = {'P', 'K'};

    private final ObjectMapper json;

    FunctionRequests(ObjectMapper json) {
        this.json = json;
    }

    /** A definition and its code, as the create routes receive them. */
    record Deployment(FunctionDefinition definition, byte[] zip) {
    }

    static String checkName(String name) {
        if (!FunctionDefinition.isValidName(name)) {
            throw FaasException.invalid("FunctionName must match " + FunctionDefinition.NAME_PATTERN + ": " + name);
        }
        return name;
    }

    /** {@code pathName} is the name in the URL, if any; the body's must agree with it. */
    Deployment deployment(byte[] body, String pathName) {
        JsonNode root = object(body);
        FunctionDefinition definition = definition(root, pathName);
        JsonNode code = root.get("Code");
        if (code == null || code.isNull()) {
            throw FaasException.invalid("Code is required: {\"ZipFile\": \"<base64 zip>\"}");
        }
        return new Deployment(definition, zipOf(code.isObject() ? code.get("ZipFile") : code, "Code.ZipFile"));
    }

    FunctionDefinition configuration(byte[] body, String pathName) {
        return definition(object(body), pathName);
    }

    /** The body of PUT .../code: a raw zip, or {@code {"ZipFile": "<base64>"}}. */
    byte[] code(byte[] body) {
        if (body.length >= 2 && body[0] == ZIP_MAGIC[0] && body[1] == ZIP_MAGIC[1]) {
            return body;
        }
        return zipOf(object(body).get("ZipFile"), "ZipFile");
    }

    private FunctionDefinition definition(JsonNode root, String pathName) {
        String name = text(root, "FunctionName");
        if (pathName != null) {
            if (name != null && !name.equals(pathName)) {
                throw FaasException.invalid("FunctionName " + name + " in the body differs from " + pathName + " in the path");
            }
            name = pathName;
        }
        return new FunctionDefinition(name, text(root, "Runtime"), text(root, "Handler"),
                integer(root, "MemorySize"), integer(root, "Timeout"), text(root, "Description"), environment(root),
                text(root, "Network"), integer(root, "PodConcurrentQuota"));
    }

    private JsonNode object(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw FaasException.invalid("The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw FaasException.invalid("The request body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw FaasException.invalid("The request body must be a JSON object");
        }
        return root;
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw FaasException.invalid(field + " must be a string");
        }
        return node.asText();
    }

    private static Integer integer(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw FaasException.invalid(field + " must be an integer");
        }
        return node.asInt();
    }

    private static FunctionEnvironment environment(JsonNode root) {
        JsonNode environment = root.get("Environment");
        if (environment == null || environment.isNull()) {
            return null;
        }
        JsonNode variables = environment.get("Variables");
        if (!environment.isObject() || (variables != null && !variables.isNull() && !variables.isObject())) {
            throw FaasException.invalid("Environment must be {\"Variables\": {\"NAME\": \"value\"}}");
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (variables != null) {
            for (Map.Entry<String, JsonNode> entry : variables.properties()) {
                if (!entry.getValue().isTextual()) {
                    throw FaasException.invalid("Environment variable " + entry.getKey() + " must be a string");
                }
                values.put(entry.getKey(), entry.getValue().asText());
            }
        }
        return new FunctionEnvironment(values);
    }

    private static byte[] zipOf(JsonNode base64, String field) {
        if (base64 == null || !base64.isTextual() || base64.asText().isEmpty()) {
            throw FaasException.invalid(field + " must be the zip file as a base64 string");
        }
        try {
            return Base64.getMimeDecoder().decode(base64.asText());
        } catch (IllegalArgumentException e) {
            throw FaasException.invalid(field + " is not valid base64: " + e.getMessage());
        }
    }
}
