package io.easyfaas.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** Functions as web endpoints: {@code ANY /http/{function}[/path]} with API-gateway events. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HttpTriggerIT extends DeployFolderEngine {

    /** Answers a response description built from the event it got. */
    private static final String NODE_WEB = "exports.handler = async (event) => ({\n"
            + "  statusCode: 201,\n"
            + "  headers: { 'Content-Type': 'application/json', 'X-Method': event.httpMethod },\n"
            + "  multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },\n"
            + "  body: JSON.stringify({ path: event.path, query: event.queryStringParameters, test: event.headers['x-test'],\n"
            + "    requestId: event.requestContext.requestId, stage: event.requestContext.stage,\n"
            + "    fullPath: event.requestContext.path, proxy: event.pathParameters && event.pathParameters.proxy,\n"
            + "    body: event.body, isBase64Encoded: event.isBase64Encoded })\n"
            + "});\n";
    /** Reverses a binary body and answers it base64-encoded. */
    private static final String PYTHON_BINARY = "import base64\n"
            + "def handler(event, context):\n"
            + "    if event['httpMethod'] == 'GET':\n"
            + "        return {'statusCode': 200, 'body': 'path=%s query=%s' % (event['path'], event['queryStringParameters'])}\n"
            + "    assert event['isBase64Encoded'], event\n"
            + "    data = base64.b64decode(event['body'])\n"
            + "    return {'statusCode': 200, 'headers': {'Content-Type': 'application/octet-stream'},\n"
            + "            'body': base64.b64encode(data[::-1]).decode('ascii'), 'isBase64Encoded': True}\n";

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    public void aGetWithPathAndQueryReachesTheHandlerAndItsResponseIsSent() {
        assertEquals(201, engine.deploy("node-web", "nodejs20", "index.handler", 3, "index.js", NODE_WEB).statusCode());
        HttpResponse<byte[]> response = engine.request("GET", "/http/node-web/users/42?x=1&y=two%20words", null,
                "X-Test", "yes");
        String body = text(response);
        assertEquals(body, 201, response.statusCode());
        assertEquals("GET", response.headers().firstValue("X-Method").orElse(null));
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(null));
        assertEquals(java.util.List.of("a=1", "b=2"), response.headers().allValues("Set-Cookie"));
        String requestId = response.headers().firstValue("X-easyfaas-Request-Id").orElseThrow();
        assertTrue(body, body.contains("\"path\":\"/users/42\""));
        assertTrue(body, body.contains("\"query\":{\"x\":\"1\",\"y\":\"two words\"}"));
        assertTrue(body, body.contains("\"test\":\"yes\""));
        assertTrue(body, body.contains("\"requestId\":\"" + requestId + "\""));
        assertTrue(body, body.contains("\"stage\":\"$LATEST\""));
        assertTrue(body, body.contains("\"fullPath\":\"/http/node-web/users/42\""));
        assertTrue(body, body.contains("\"proxy\":\"users/42\""));
        assertTrue(body, body.contains("\"body\":null"));
    }

    @Test
    public void aTextBodyArrivesAsText() {
        engine.deploy("node-echo", "nodejs20", "index.handler", 3, "index.js", NODE_WEB);
        HttpResponse<byte[]> response = engine.request("PUT", "/http/node-echo", "{\"name\":\"Zoë\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        String body = text(response);
        assertEquals(body, 201, response.statusCode());
        assertTrue(body, body.contains("\"path\":\"/\""));
        assertTrue(body, body.contains("\"body\":\"{\\\"name\\\":\\\"Zoë\\\"}\""));
        assertTrue(body, body.contains("\"isBase64Encoded\":false"));
    }

    @Test
    public void aBinaryBodyTravelsAsBase64BothWays() {
        assertEquals(201, engine.deploy("py-binary", "python3", "index.handler", 3, "index.py", PYTHON_BINARY).statusCode());
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        HttpResponse<byte[]> response = engine.request("POST", "/http/py-binary/upload", bytes,
                "Content-Type", "application/octet-stream");
        assertEquals(text(response), 200, response.statusCode());
        assertEquals("application/octet-stream", response.headers().firstValue("Content-Type").orElse(null));
        byte[] reversed = new byte[256];
        for (int i = 0; i < reversed.length; i++) {
            reversed[i] = (byte) (255 - i);
        }
        assertArrayEquals(reversed, response.body());

        HttpResponse<byte[]> get = engine.request("GET", "/http/py-binary", null);
        assertEquals(200, get.statusCode());
        assertEquals("path=/ query=None", text(get));
        assertTrue(get.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    }

    @Test
    public void aPlainResultIsA200JsonBody() {
        engine.deploy("py-plain", "python3", "index.handler", 3, "index.py",
                "def handler(event, context):\n    return {'hello': event['httpMethod']}\n");
        engine.deploy("node-plain", "nodejs20", "index.handler", 3, "index.js",
                "exports.handler = async (event) => 'just ' + event.path;");

        HttpResponse<byte[]> python = engine.request("DELETE", "/http/py-plain/x", null);
        assertEquals(200, python.statusCode());
        assertEquals("application/json", python.headers().firstValue("Content-Type").orElse(null));
        assertEquals("{\"hello\": \"DELETE\"}", text(python));
        HttpResponse<byte[]> node = engine.request("GET", "/http/node-plain/a/b", null);
        assertEquals(200, node.statusCode());
        assertEquals("\"just /a/b\"", text(node));
    }

    @Test
    public void failuresAnswerTheApiErrorBody() {
        engine.deploy("py-fails", "python3", "index.handler", 3, "index.py",
                "def handler(event, context):\n    raise ValueError('secret detail')\n");
        HttpResponse<byte[]> failed = engine.request("GET", "/http/py-fails", null);
        assertEquals(502, failed.statusCode());
        String body = text(failed);
        assertTrue(body, body.contains("\"Type\":\"ValueError\""));
        assertTrue(body, body.contains("\"Message\":\"Internal server error\""));
        assertTrue(body, !body.contains("secret detail"));
        assertEquals("Unhandled", failed.headers().firstValue("X-easyfaas-Function-Error").orElse(null));

        HttpResponse<byte[]> unknown = engine.request("GET", "/http/nobody-home/x", null);
        assertEquals(404, unknown.statusCode());
        assertTrue(text(unknown), text(unknown).contains("ResourceNotFoundException"));

        HttpResponse<byte[]> tooLarge = engine.request("POST", "/http/py-fails", new byte[6 * 1024 * 1024 + 1],
                "Content-Type", "application/octet-stream");
        assertEquals(413, tooLarge.statusCode());
        assertTrue(text(tooLarge), text(tooLarge).contains("RequestTooLargeException"));

        HttpResponse<byte[]> badName = engine.request("GET", "/http/bad!name", null);
        assertEquals(400, badName.statusCode());
    }
}
