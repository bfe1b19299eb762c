package io.easyfaas.http.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import org.junit.jupiter.api.Test;

class ApiGatewayEventsTest {

    // the gateway's mapper, naming strategy included: event keys must stay as written
    private final ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE);
    private final ApiGatewayEvents events = new ApiGatewayEvents(json);

    private JsonNode event(String method, String functionPath, String query, Map<String, List<String>> headers, byte[] body)
            throws Exception {
        String requestPath = "/http/fn" + (functionPath.equals("/") ? "" : functionPath);
        return json.readTree(events.event(new ApiGatewayEvents.Request(method, requestPath, functionPath, query,
                headers, body, "req-1", 1_700_000_000_123L, "127.0.0.1")));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aGetWithQueryAndHeadersBecomesAProxyEvent() throws Exception {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Accept", List.of("text/html"));
        headers.put("X-Forwarded-For", List.of("10.0.0.1", "10.0.0.2"));
        JsonNode event = event("GET", "/users/42", "q=a+b&tag=x&tag=y%26z&flag", headers, new byte[0]);

        assertEquals("GET", event.get("httpMethod").asText());
        assertEquals("/users/42", event.get("path").asText());
        assertEquals("text/html", event.get("headers").get("accept").asText());
        assertEquals("10.0.0.2", event.get("headers").get("x-forwarded-for").asText(), "last value");
        assertEquals(2, event.get("multiValueHeaders").get("x-forwarded-for").size());
        assertEquals("a b", event.get("queryStringParameters").get("q").asText());
        assertEquals("y&z", event.get("queryStringParameters").get("tag").asText());
        assertEquals("", event.get("queryStringParameters").get("flag").asText());
        assertEquals(List.of("x", "y&z"), List.of(event.get("multiValueQueryStringParameters").get("tag").get(0).asText(),
                event.get("multiValueQueryStringParameters").get("tag").get(1).asText()));
        assertEquals("users/42", event.get("pathParameters").get("proxy").asText());
        assertTrue(event.get("body").isNull());
        assertFalse(event.get("isBase64Encoded").asBoolean());
        JsonNode context = event.get("requestContext");
        assertEquals("req-1", context.get("requestId").asText());
        assertEquals("GET", context.get("httpMethod").asText());
        assertEquals("/http/fn/users/42", context.get("path").asText());
        assertEquals("$LATEST", context.get("stage").asText());
        assertEquals(1_700_000_000_123L, context.get("requestTimeEpoch").asLong());
    }

    @Test
    void noQueryAndNoPathGiveNullsAndSlash() throws Exception {
        JsonNode event = event("DELETE", "/", "", Map.of(), new byte[0]);
        assertEquals("/", event.get("path").asText());
        assertTrue(event.get("queryStringParameters").isNull());
        assertTrue(event.get("multiValueQueryStringParameters").isNull());
        assertTrue(event.get("pathParameters").isNull());
    }

    @Test
    void textualBodiesArePassedAsTextAndOthersAsBase64() throws Exception {
        JsonNode text = event("POST", "/", "", Map.of("Content-Type", List.of("application/json; charset=utf-8")),
                utf8("{\"name\":\"Zoë\"}"));
        assertEquals("{\"name\":\"Zoë\"}", text.get("body").asText());
        assertFalse(text.get("isBase64Encoded").asBoolean());

        JsonNode untyped = event("POST", "/", "", Map.of(), utf8("plain words"));
        assertEquals("plain words", untyped.get("body").asText());

        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff};
        JsonNode image = event("POST", "/", "", Map.of("content-type", List.of("image/png")), png);
        assertTrue(image.get("isBase64Encoded").asBoolean());
        assertArrayEquals(png, Base64.getDecoder().decode(image.get("body").asText()));

        JsonNode textual = event("POST", "/", "", Map.of("Content-Type", List.of("application/octet-stream")), utf8("abc"));
        assertTrue(textual.get("isBase64Encoded").asBoolean(), "a binary type is base64 even if it decodes");

        JsonNode invalidUtf8 = event("PUT", "/", "", Map.of("Content-Type", List.of("text/plain")), png);
        assertTrue(invalidUtf8.get("isBase64Encoded").asBoolean(), "text that is not UTF-8 is base64");
        assertArrayEquals(png, Base64.getDecoder().decode(invalidUtf8.get("body").asText()));
    }

    @Test
    void aResponseDescriptionSetsStatusHeadersAndBody() throws Exception {
        ApiGatewayEvents.Response response = events.response(utf8(
                "{\"statusCode\":201,\"headers\":{\"Content-Type\":\"text/html\",\"X-Count\":3,\"Content-Length\":\"999\"},"
                        + "\"multiValueHeaders\":{\"Set-Cookie\":[\"a=1\",\"b=2\"]},\"body\":\"<p>hi</p>\"}"));
        assertEquals(201, response.status());
        assertEquals(List.of("text/html"), response.headers().get("content-type"));
        assertEquals(List.of("3"), response.headers().get("x-count"));
        assertEquals(List.of("a=1", "b=2"), response.headers().get("set-cookie"));
        assertFalse(response.headers().containsKey("content-length"), "the server computes the length");
        assertEquals("<p>hi</p>", new String(response.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aBase64BodyIsDecodedAndTheDefaultContentTypeFollowsTheBody() throws Exception {
        byte[] bytes = {0, 1, 2, (byte) 0xfe};
        ApiGatewayEvents.Response binary = events.response(utf8("{\"statusCode\":\"200\",\"isBase64Encoded\":true,\"body\":\""
                + Base64.getEncoder().encodeToString(bytes) + "\"}"));
        assertArrayEquals(bytes, binary.body());
        assertEquals(List.of("application/octet-stream"), binary.headers().get("content-type"));

        ApiGatewayEvents.Response jsonBody = events.response(utf8("{\"statusCode\":200,\"body\":\" {\\\"ok\\\":true}\"}"));
        assertEquals(List.of("application/json"), jsonBody.headers().get("content-type"));
        ApiGatewayEvents.Response textBody = events.response(utf8("{\"statusCode\":404,\"body\":\"not here\"}"));
        assertEquals(404, textBody.status());
        assertEquals(List.of("text/plain; charset=utf-8"), textBody.headers().get("content-type"));
        ApiGatewayEvents.Response noBody = events.response(utf8("{\"statusCode\":204}"));
        assertEquals(0, noBody.body().length);
    }

    @Test
    void anyOtherResultIsA200JsonBody() throws Exception {
        for (String result : List.of("\"hello\"", "42", "null", "[1,2]", "{\"status\":200,\"body\":\"x\"}")) {
            ApiGatewayEvents.Response response = events.response(utf8(result));
            assertEquals(200, response.status(), result);
            assertEquals(List.of("application/json"), response.headers().get("content-type"));
            assertEquals(result, new String(response.body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void invalidResponseDescriptionsAreRefused() {
        for (String result : List.of("{\"statusCode\":\"abc\"}", "{\"statusCode\":42}", "{\"statusCode\":200,\"headers\":[1]}",
                "{\"statusCode\":200,\"headers\":{\"X\":\"a\\r\\nSet-Cookie: evil\"}}",
                "{\"statusCode\":200,\"isBase64Encoded\":true,\"body\":\"***\"}")) {
            assertThrows(ApiGatewayEvents.InvalidResponseException.class, () -> events.response(utf8(result)), result);
        }
    }
}
