package io.easyfaas.itests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Talks to the engine over HTTP as any client would. */
final class EngineClient {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;

    EngineClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** A GET with request headers given as name/value pairs. */
    HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    HttpResponse<String> delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    HttpResponse<String> post(String path, String body) {
        return post(path, body.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> post(String path, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** A POST with extra headers, given as name/value pairs. */
    HttpResponse<String> post(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).headers(headers)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> put(String path, byte[] body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Any request, with {@code headers} as name/value pairs; the answer's body as bytes. */
    HttpResponse<byte[]> request(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> invoke(String function, String event) {
        return post("/v1/functions/" + function + "/invocations", event);
    }

    /** Invokes with extra request headers given as name/value pairs. */
    HttpResponse<String> invoke(String function, String event, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/v1/functions/" + function + "/invocations"))
                .POST(HttpRequest.BodyPublishers.ofString(event));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /** Creates a function; the zip is given as name/content pairs. */
    HttpResponse<String> deploy(String name, String runtime, String handler, int timeout, String... files) {
        return deploy(name, runtime, handler, timeout, 128, files);
    }

    /** Creates a function with {@code memorySize} MB; the zip is given as name/content pairs. */
    HttpResponse<String> deploy(String name, String runtime, String handler, int timeout, int memorySize, String... files) {
        return deploy(name, runtime, handler, timeout, java.util.Map.of("MemorySize", memorySize), files);
    }

    /**
     * Creates a function with more integer fields of the create request, such as
     * {@code PodConcurrentQuota}; the zip is given as name/content pairs.
     */
    HttpResponse<String> deploy(String name, String runtime, String handler, int timeout,
            java.util.Map<String, Integer> integerFields, String... files) {
        StringBuilder fields = new StringBuilder();
        integerFields.forEach((field, value) -> fields.append(",\"").append(field).append("\":").append(value));
        return post("/v1/functions", "{\"FunctionName\":\"" + name + "\",\"Runtime\":\"" + runtime + "\",\"Handler\":\"" + handler
                + "\",\"Timeout\":" + timeout + fields
                + ",\"Code\":{\"ZipFile\":\"" + Zips.base64(Zips.of(files)) + "\"}}");
    }

    /**
     * Waits until the engine answers and both shipped runtimes are installed: plugins start
     * after the gateway, so a deploy right after /healthz could still miss them.
     */
    void awaitReady(java.util.function.BooleanSupplier stillWorthWaiting) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!healthy()) {
            checkWait(deadline, stillWorthWaiting, "/healthz");
        }
        for (String runtime : java.util.List.of("nodejs20", "python3")) {
            while (deploy("probe-" + runtime, runtime, "index.handler", 3, "index.js", "").statusCode() != 201) {
                checkWait(deadline, stillWorthWaiting, runtime + " runtime");
            }
            delete("/v1/functions/probe-" + runtime);
        }
    }

    private static void checkWait(long deadline, java.util.function.BooleanSupplier stillWorthWaiting, String what)
            throws InterruptedException {
        if (System.currentTimeMillis() > deadline || !stillWorthWaiting.getAsBoolean()) {
            throw new AssertionError("the engine did not get ready (" + what + ") within 30 s");
        }
        Thread.sleep(50);
    }

    /** A scalar field of a flat JSON object, as text. */
    static String field(String json, String name) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"" + name + "\":\\s*\"?([^\",}]*)").matcher(json);
        if (!matcher.find()) {
            throw new AssertionError(name + " not in " + json);
        }
        return matcher.group(1);
    }

    boolean healthy() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
