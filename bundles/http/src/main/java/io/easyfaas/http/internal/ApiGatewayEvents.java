package io.easyfaas.http.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The API-gateway shape of HTTP triggers: a request becomes the event Lambda-style handlers
 * expect (API Gateway REST "proxy" format, version 1.0), and the handler's result becomes the
 * response. No I/O: the gateway does the HTTP side.
 */
final class ApiGatewayEvents {

    /** Headers the server computes itself; a function setting them would corrupt the response. */
    private static final Set<String> SERVER_HEADERS = Set.of("content-length", "transfer-encoding", "connection");
    static final String STAGE = "$LATEST";

    private final ObjectMapper json;

    ApiGatewayEvents(ObjectMapper json) {
        this.json = json;
    }

    /**
     * An HTTP request to {@code /http/{function}[/{path}]}.
     *
     * @param requestPath the whole decoded request path
     * @param functionPath the part after the function name, {@code /} if none
     * @param queryString the raw query string, without {@code ?}, empty if none
     * @param headers header values by name, in arrival order
     */
    record Request(String method, String requestPath, String functionPath, String queryString,
            Map<String, List<String>> headers, byte[] body, String requestId, long epochMillis, String sourceIp) {
    }

    /** What to answer: status, header values by name, body. */
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
    }

    /** A result that claims to be a response ({@code statusCode}) but is not a valid one. */
    static final class InvalidResponseException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidResponseException(String message) {
            super(message);
        }
    }

    byte[] event(Request request) throws JsonProcessingException {
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, List<String>> multiValueHeaders = new LinkedHashMap<>();
        request.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            multiValueHeaders.computeIfAbsent(lower, n -> new ArrayList<>()).addAll(values);
            if (!values.isEmpty()) {
                headers.put(lower, values.get(values.size() - 1));
            }
        });
        Map<String, List<String>> query = queryParameters(request.queryString());
        Map<String, String> lastQueryValues = new LinkedHashMap<>();
        query.forEach((name, values) -> lastQueryValues.put(name, values.get(values.size() - 1)));

        Map<String, Object> event = new LinkedHashMap<>();
        event.put("resource", "/http/{function}/{proxy+}");
        event.put("path", request.functionPath());
        event.put("httpMethod", request.method());
        event.put("headers", headers);
        event.put("multiValueHeaders", multiValueHeaders);
        event.put("queryStringParameters", query.isEmpty() ? null : lastQueryValues);
        event.put("multiValueQueryStringParameters", query.isEmpty() ? null : query);
        event.put("pathParameters", request.functionPath().equals("/") ? null
                : Map.of("proxy", request.functionPath().substring(1)));
        event.put("stageVariables", null);
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("requestId", request.requestId());
        context.put("httpMethod", request.method());
        context.put("path", request.requestPath());
        context.put("stage", STAGE);
        context.put("requestTimeEpoch", request.epochMillis());
        context.put("identity", Map.of("sourceIp", request.sourceIp()));
        event.put("requestContext", context);
        boolean binary = request.body().length > 0 && !isText(headers.get("content-type"), request.body());
        event.put("body", request.body().length == 0 ? null
                : binary ? Base64.getEncoder().encodeToString(request.body())
                : new String(request.body(), StandardCharsets.UTF_8));
        event.put("isBase64Encoded", binary);
        return json.writeValueAsBytes(event);
    }

    /**
     * The response for a handler's result: a JSON object with {@code statusCode} is a response
     * description; anything else is a 200 with the result as JSON body.
     */
    Response response(byte[] payload) throws InvalidResponseException {
        JsonNode result;
        try {
            result = json.readTree(payload);
        } catch (IOException e) {
            throw new InvalidResponseException("the result is not JSON: " + e.getMessage());
        }
        if (result == null || !result.isObject() || !result.has("statusCode")) {
            return new Response(200, Map.of("content-type", List.of(Exchanges.JSON_TYPE)), payload);
        }
        int status = status(result.get("statusCode"));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        addHeaders(result.get("multiValueHeaders"), headers, true);
        addHeaders(result.get("headers"), headers, false);
        boolean base64 = result.path("isBase64Encoded").asBoolean(false);
        byte[] body = body(result.get("body"), base64);
        if (!headers.containsKey("content-type") && body.length > 0) {
            headers.put("content-type", List.of(base64 ? "application/octet-stream"
                    : isJson(body) ? Exchanges.JSON_TYPE : "text/plain; charset=utf-8"));
        }
        return new Response(status, headers, body);
    }

    private static int status(JsonNode node) throws InvalidResponseException {
        int status;
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            status = node.asInt();
        } else if (node.isTextual() && node.asText().matches("\\d{3}")) {
            status = Integer.parseInt(node.asText());
        } else {
            throw new InvalidResponseException("statusCode must be an integer: " + node);
        }
        if (status < 100 || status > 599) {
            throw new InvalidResponseException("statusCode " + status + " is not an HTTP status");
        }
        return status;
    }

    private static void addHeaders(JsonNode node, Map<String, List<String>> headers, boolean multiValue)
            throws InvalidResponseException {
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new InvalidResponseException((multiValue ? "multiValueHeaders" : "headers") + " must be an object");
        }
        for (Map.Entry<String, JsonNode> header : node.properties()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (SERVER_HEADERS.contains(name)) {
                continue;
            }
            List<String> values = new ArrayList<>();
            if (multiValue && header.getValue().isArray()) {
                for (JsonNode value : header.getValue()) {
                    values.add(headerValue(name, value));
                }
            } else {
                values.add(headerValue(name, header.getValue()));
            }
            headers.put(name, values); // headers win over multiValueHeaders, as on API Gateway
        }
    }

    private static String headerValue(String name, JsonNode value) throws InvalidResponseException {
        if (!value.isValueNode() || value.isNull()) {
            throw new InvalidResponseException("header " + name + " must be a string, number or boolean");
        }
        String text = value.asText();
        if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0) {
            throw new InvalidResponseException("header " + name + " contains a line break");
        }
        return text;
    }

    private byte[] body(JsonNode node, boolean base64) throws InvalidResponseException {
        if (node == null || node.isNull()) {
            return new byte[0];
        }
        if (!node.isTextual()) {
            try {
                return json.writeValueAsBytes(node); // lenient: an object body is sent as JSON
            } catch (JsonProcessingException e) {
                throw new InvalidResponseException("body cannot be written: " + e.getMessage());
            }
        }
        if (!base64) {
            return node.asText().getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getDecoder().decode(node.asText().replaceAll("\\s", "")); // strict, line breaks allowed
        } catch (IllegalArgumentException e) {
            throw new InvalidResponseException("body is marked isBase64Encoded but is not base64: " + e.getMessage());
        }
    }

    /** Query parameters in order, values decoded as UTF-8 ({@code +} is a space). */
    static Map<String, List<String>> queryParameters(String queryString) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (queryString == null || queryString.isEmpty()) {
            return parameters;
        }
        for (String pair : queryString.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return parameters;
    }

    private static String decode(String text) {
        try {
            return java.net.URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return text; // a stray % is kept as sent rather than refusing the call
        }
    }

    /**
     * A body goes to the handler as text when it is valid UTF-8 and its content type is textual
     * or absent; otherwise as base64.
     */
    static boolean isText(String contentType, byte[] body) {
        if (contentType != null && !isTextualType(contentType)) {
            return false;
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    static boolean isTextualType(String contentType) {
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.startsWith("text/") || type.endsWith("+json") || type.endsWith("+xml")
                || Set.of("application/json", "application/xml", "application/javascript",
                        "application/x-www-form-urlencoded", "application/graphql", "application/yaml").contains(type);
    }

    private boolean isJson(byte[] body) {
        int first = 0;
        while (first < body.length && Character.isWhitespace(body[first])) {
            first++;
        }
        if (first == body.length || (body[first] != '{' && body[first] != '[')) {
            return false;
        }
        try {
            json.readTree(body);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
