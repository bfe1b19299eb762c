package io.easyfaas.runtime.nodejs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.easyfaas.api.runtime.testing.BootstrapTestBase;
import io.easyfaas.api.runtime.testing.Json;
import io.easyfaas.api.runtime.testing.RuntimeHarness;
import io.easyfaas.api.runtime.testing.RuntimeHarness.Frame;

/**
 * Runs the real bootstrap on the machine's node through {@link RuntimeHarness}, handed its
 * connection as the engine hands it; {@link NodejsBootstrapOverSocketPathTest} runs the same
 * tests with a socket to connect to.
 */
class NodejsBootstrapTest extends BootstrapTestBase {

    @Override
    protected boolean handsConnection() {
        return NodejsRuntimeAdapter.TAKES_CONNECTION;
    }

    @Override
    protected String[] interpreters() {
        return NodejsRuntimeAdapter.DEFAULT_INTERPRETERS;
    }

    @Override
    protected List<String> command(Path interpreter) {
        return NodejsRuntimeAdapter.command(interpreter, BOOTSTRAP);
    }

    @Test
    void saysHello() {
        Map<String, Object> hello = runtime.hello().header();
        assertEquals("hello", hello.get("type"));
        assertEquals("nodejs", hello.get("runtime"));
        assertEquals(runtime.process().pid(), hello.get("pid"));
        System.out.println("node: process start to hello " + runtime.timeToHello().toMillis() + " ms");
    }

    @Test
    void answersHealthChecksOnceItsEventLoopIsFree() throws IOException {
        assertEquals(true, runtime.hello().header().get("ping"), "the hello offers health checks");
        pingAnswered("ping-1");
        write("index.js", "exports.handler = async (event) => {\n"
                + "  if (event.block) setImmediate(() => { const end = Date.now() + 1500; while (Date.now() < end) {} });\n"
                + "  return 'ok';\n};\n");
        initOk("index.handler");
        pingAnswered("ping-2");

        assertEquals("ok", invokeOk("a", "{\"block\":true}"));
        long sent = System.nanoTime();
        pingAnswered("ping-3");
        assertTrue(System.nanoTime() - sent > TimeUnit.MILLISECONDS.toNanos(1000),
                "a loop kept busy by what a call left behind answers only once it is free");
    }

    @Test
    void initThenInvokeReturnsJson() throws IOException {
        write("index.js", "exports.handler = function (event, context, callback) {\n"
                + "  callback(null, { hello: event.name, n: [1, 2.5, true, null] });\n};\n");
        initOk("index.handler");
        assertEquals(Json.parse("{\"hello\":\"world\",\"n\":[1,2.5,true,null]}"), invokeOk("r1", "{\"name\":\"world\"}"));
        assertEquals(Json.parse("{\"n\":[1,2.5,true,null]}"), invokeOk("r2", ""), "empty payload is {}");
    }

    @Test
    void asyncHandlerAndPromise() throws IOException {
        write("index.js", "exports.handler = async (event) => {\n"
                + "  await new Promise((resolve) => setTimeout(resolve, 20));\n  return event.x * 2;\n};\n"
                + "exports.promise = (event) => new Promise((resolve) => setTimeout(() => resolve('p' + event.x), 10));\n"
                + "exports.nothing = async () => {};\n");
        initOk("index.handler");
        assertEquals(42L, invokeOk("a", "{\"x\":21}"));
    }

    @Test
    void promiseReturningHandler() throws IOException {
        write("index.js", "exports.promise = (event) => new Promise((resolve) => setTimeout(() => resolve('p' + event.x), 10));\n");
        initOk("index.promise");
        assertEquals("p7", invokeOk("a", "{\"x\":7}"));
    }

    @Test
    void undefinedResultIsNull() throws IOException {
        write("index.js", "exports.handler = async () => {};\n");
        initOk("index.handler");
        assertEquals(null, invokeOk("a", "{}"));
    }

    @Test
    void contextSucceedAndDoneFirstCompletionWins() throws IOException {
        write("index.js", "exports.handler = function (event, context, callback) {\n"
                + "  setTimeout(() => { context.succeed('first'); callback(new Error('late')); context.done(null, 'later'); }, 5);\n};\n");
        initOk("index.handler");
        assertEquals("first", invokeOk("a", "{}"));
        assertEquals("first", invokeOk("b", "{}"));
    }

    @Test
    void callbackErrorAndThrownErrors() throws IOException {
        write("index.js", "class MyError extends Error {}\n"
                + "exports.handler = function (event, context, callback) {\n"
                + "  if (event.kind === 'callback') return callback(new TypeError('bad input'));\n"
                + "  if (event.kind === 'string') throw 'just a string';\n"
                + "  if (event.kind === 'reject') return Promise.reject(new RangeError('out of range'));\n"
                + "  if (event.kind === 'fail') return context.fail(new Error('failed'));\n"
                + "  throw new MyError('custom');\n};\n");
        initOk("index.handler");

        Map<String, Object> callback = invokeError("c", "{\"kind\":\"callback\"}");
        assertEquals("TypeError", callback.get("errorType"));
        assertEquals("bad input", callback.get("errorMessage"));
        assertTrue(callback.get("stackTrace").toString().contains("index.js"), callback::toString);

        Map<String, Object> thrown = invokeError("t", "{\"kind\":\"throw\"}");
        assertEquals("MyError", thrown.get("errorType"));
        assertEquals("custom", thrown.get("errorMessage"));
        assertTrue(((List<?>) thrown.get("stackTrace")).size() > 1, thrown::toString);

        Map<String, Object> string = invokeError("s", "{\"kind\":\"string\"}");
        assertEquals("Error", string.get("errorType"));
        assertEquals("just a string", string.get("errorMessage"));

        assertEquals("RangeError", invokeError("r", "{\"kind\":\"reject\"}").get("errorType"));
        assertEquals("failed", invokeError("f", "{\"kind\":\"fail\"}").get("errorMessage"));
    }

    @Test
    void unserializableResultIsAnInvokeError() throws IOException {
        write("index.js", "exports.handler = async (event) => {\n"
                + "  if (event.ok) return 'fine';\n  const a = {}; a.self = a; return a;\n};\n");
        initOk("index.handler");
        assertEquals("Runtime.SerializationError", invokeError("a", "{}").get("errorType"));
        assertEquals("fine", invokeOk("b", "{\"ok\":true}"), "the runtime survives");
    }

    @Test
    void uncaughtExceptionDuringACallFailsItAndTheRuntimeSurvives() throws IOException {
        write("index.js", "exports.handler = (event, context, callback) => {\n"
                + "  if (event.ok) return callback(null, 'fine');\n"
                + "  setTimeout(() => { throw new Error('escaped'); }, 1);\n};\n");
        initOk("index.handler");
        assertEquals("escaped", invokeError("a", "{}").get("errorMessage"));
        assertEquals("fine", invokeOk("b", "{\"ok\":true}"));
        assertTrue(runtime.stderr().contains("escaped"));
    }

    @Test
    void handlerInSubfolder() throws IOException {
        write("src/app.js", "exports.handler = async () => 'from src';\n");
        initOk("src/app.handler");
        assertEquals("from src", invokeOk("a", "{}"));
    }

    @Test
    void esModuleHandler() throws IOException {
        write("lib/util.mjs", "export const twice = (x) => x * 2;\n");
        write("index.mjs", "import { twice } from './lib/util.mjs';\n"
                + "export const handler = async (event) => ({ esm: twice(event.x), meta: typeof import.meta.url });\n");
        initOk("index.handler");
        assertEquals(Json.parse("{\"esm\":6,\"meta\":\"string\"}"), invokeOk("a", "{\"x\":3}"));
    }

    /** The loading needs the event loop: a bootstrap blocked reading its next frame would never answer the init. */
    @Test
    void esModuleAwaitingAtTopLevelLoadsBeforeAnyCall() throws IOException {
        write("index.mjs", "const config = await new Promise((resolve) => setTimeout(() => resolve({ region: 'here' }), 20));\n"
                + "export const handler = async () => config.region;\n");
        initOk("index.handler");
        assertEquals("here", invokeOk("a", "{}"));
    }

    @Test
    void esModuleJsInTypeModulePackage() throws IOException {
        write("package.json", "{\"type\":\"module\"}");
        write("index.js", "export async function handler() { return 'esm .js'; }\n");
        initOk("index.handler");
        assertEquals("esm .js", invokeOk("a", "{}"));
    }

    @Test
    void missingModuleIsImportModuleError() throws IOException {
        Map<String, Object> error = initError("nope.handler");
        assertEquals("Runtime.ImportModuleError", error.get("errorType"));
        assertTrue(error.get("errorMessage").toString().contains("nope"), error::toString);
        assertEquals(error, invokeError("a", "{}"), "invokes answer the init error");
    }

    @Test
    void moduleThrowingWhileLoadingIsImportModuleError() throws IOException {
        write("index.js", "require('./missing-dependency');\nexports.handler = () => 1;\n");
        Map<String, Object> error = initError("index.handler");
        assertEquals("Runtime.ImportModuleError", error.get("errorType"));
        assertTrue(error.get("errorMessage").toString().contains("missing-dependency"), error::toString);
    }

    @Test
    void missingExportIsHandlerNotFound() throws IOException {
        write("index.js", "exports.other = () => 1;\nexports.notAFunction = 5;\n");
        assertEquals("Runtime.HandlerNotFound", initError("index.handler").get("errorType"));
    }

    @Test
    void exportThatIsNoFunctionIsHandlerNotFound() throws IOException {
        write("index.js", "exports.handler = 5;\n");
        assertEquals("Runtime.HandlerNotFound", initError("index.handler").get("errorType"));
    }

    @Test
    void syntaxErrorIsUserCodeSyntaxError() throws IOException {
        write("index.js", "exports.handler = function ( {\n");
        Map<String, Object> error = initError("index.handler");
        assertEquals("Runtime.UserCodeSyntaxError", error.get("errorType"));
    }

    @Test
    void syntaxErrorInEsModuleIsUserCodeSyntaxError() throws IOException {
        write("index.mjs", "export const handler = (;\n");
        assertEquals("Runtime.UserCodeSyntaxError", initError("index.handler").get("errorType"));
    }

    @Test
    void environmentVariablesAndWorkingDirectory() throws IOException {
        write("index.js", "exports.handler = async () => ({ greeting: process.env.GREETING, cwd: process.cwd(),\n"
                + "  socket: process.env.EASYFAAS_RUNTIME_SOCKET === undefined ? 'hidden' : 'visible' });\n");
        Frame init = runtime.init("index.handler", code, Map.of("GREETING", "hi there", "OTHER", "x"), 3000);
        assertFalse(init.error(), init::toString);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) invokeOk("a", "{}");
        assertEquals("hi there", result.get("greeting"));
        assertEquals(code.toRealPath().toString(), result.get("cwd"));
        assertEquals("hidden", result.get("socket"));
    }

    @Test
    void contextFields() throws IOException {
        write("index.js", "exports.handler = async (event, context) => ({\n"
                + "  awsRequestId: context.awsRequestId, requestId: context.requestId,\n"
                + "  functionName: context.functionName, functionVersion: context.functionVersion,\n"
                + "  memoryLimitInMB: context.memoryLimitInMB, arn: context.invokedFunctionArn,\n"
                + "  remaining: context.getRemainingTimeInMillis(), waits: context.callbackWaitsForEmptyEventLoop });\n");
        initOk("index.handler");
        @SuppressWarnings("unchecked")
        Map<String, Object> ctx = (Map<String, Object>) invokeOk("req-123", "{}");
        assertEquals("req-123", ctx.get("awsRequestId"));
        assertEquals("req-123", ctx.get("requestId"));
        assertEquals("f", ctx.get("functionName"));
        assertEquals("$LATEST", ctx.get("functionVersion"));
        assertEquals("128", ctx.get("memoryLimitInMB"));
        assertTrue(ctx.get("arn").toString().endsWith(":function:f"), ctx::toString);
        long remaining = (Long) ctx.get("remaining");
        assertTrue(remaining > 0 && remaining <= 3000, ctx::toString);
        assertEquals(Boolean.TRUE, ctx.get("waits"));
    }

    @Test
    void fiveMegabyteEventEchoedIntact() throws IOException {
        write("index.js", "exports.handler = async (event) => event;\n");
        initOk("index.handler");
        StringBuilder big = new StringBuilder(5 << 20);
        for (int i = 0; big.length() < 5 << 20; i++) {
            big.append((char) ('a' + i % 26));
        }
        String event = "{\"data\":\"" + big + "\"}";
        Frame reply = runtime.invoke("big", event);
        assertFalse(reply.error(), reply::toString);
        assertEquals(event, reply.payloadText());
    }

    @Test
    void unicodeRoundTrip() throws IOException {
        write("index.js", "exports.handler = async (event) => ({ text: event.text, length: event.text.length, extra: '✓ ü' });\n");
        initOk("index.handler");
        Frame reply = runtime.invoke("u", "{\"text\":\"héllo ✓ 日本\"}");
        assertFalse(reply.error(), reply::toString);
        assertEquals(Map.of("text", "héllo ✓ 日本", "length", 10L, "extra", "✓ ü"), reply.payloadJson());
    }

    @Test
    void pipelinedInvokesAreBothAnsweredInCompletionOrder() throws IOException {
        write("index.js", "exports.handler = async (event) => {\n"
                + "  await new Promise((resolve) => setTimeout(resolve, event.delay));\n  return event.delay;\n};\n");
        initOk("index.handler");
        long deadline = System.currentTimeMillis() + 3000;
        runtime.sendInvoke("slow", "{\"delay\":300}".getBytes(StandardCharsets.UTF_8), deadline);
        runtime.sendInvoke("fast", "{\"delay\":1}".getBytes(StandardCharsets.UTF_8), deadline);
        Map<String, Object> replies = new HashMap<>();
        Frame first = runtime.receive();
        replies.put(first.id(), first.payloadJson());
        Frame second = runtime.receive();
        replies.put(second.id(), second.payloadJson());
        assertEquals("fast", first.id(), "calls run concurrently");
        assertEquals(Map.of("slow", 300L, "fast", 1L), replies);
    }

    @Test
    void moduleLevelCodeRunsOnce() throws IOException {
        write("index.js", "let loads = (global.__loads = (global.__loads || 0) + 1);\nlet calls = 0;\n"
                + "exports.handler = async () => ({ loads, calls: ++calls });\n");
        initOk("index.handler");
        assertEquals(Map.of("loads", 1L, "calls", 1L), invokeOk("a", "{}"));
        assertEquals(Map.of("loads", 1L, "calls", 2L), invokeOk("b", "{}"));
        assertEquals(Map.of("loads", 1L, "calls", 3L), invokeOk("c", "{}"));
    }

    @Test
    void everyKindOfOutputDuringACallIsThatCallsLog() throws IOException {
        write("index.js", "exports.handler = async () => {\n"
                + "  console.log('log line'); console.info('info line'); console.warn('warn line');\n"
                + "  console.error('error line'); process.stdout.write('stdout write\\n');\n"
                + "  process.stderr.write(Buffer.from('stderr bytes ✓\\n'));\n  return 1;\n};\n");
        initOk("index.handler");
        invokeOk("a", "{}");
        assertEquals("log line\ninfo line\nwarn line\nerror line\nstdout write\nstderr bytes ✓\n", runtime.log("a"));
        assertFalse(runtime.stdout().contains("log line"), "not in the sandbox's own output");
    }

    @Test
    void outputOutsideCallsGoesToTheProcessOutput() throws IOException {
        write("index.js", "console.log('loading the module');\nexports.handler = async () => 1;\n");
        initOk("index.handler");
        invokeOk("a", "{}");
        assertTrue(runtime.stdout().contains("loading the module"));
        assertEquals("", runtime.log("a"));
    }

    @Test
    void concurrentCallsKeepTheirOwnLines() throws IOException {
        write("index.js", "const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));\n"
                + "exports.handler = async (event) => {\n"
                + "  for (let i = 0; i < 5; i++) {\n"
                + "    console.log(event.name + ' line ' + i);\n    await sleep(event.pause);\n  }\n"
                + "  return event.name;\n};\n");
        initOk("index.handler");
        long deadline = System.currentTimeMillis() + 5000;
        runtime.sendInvoke("one", "{\"name\":\"one\",\"pause\":20}".getBytes(StandardCharsets.UTF_8), deadline);
        runtime.sendInvoke("two", "{\"name\":\"two\",\"pause\":7}".getBytes(StandardCharsets.UTF_8), deadline);
        runtime.receive();
        runtime.receive();
        for (String name : List.of("one", "two")) {
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                expected.append(name).append(" line ").append(i).append('\n');
            }
            assertEquals(expected.toString(), runtime.log(name));
        }
        List<String> arrivals = runtime.arrivals();
        assertTrue(arrivals.indexOf("log two") < arrivals.lastIndexOf("log one"),
                () -> "the calls' lines interleave in time: " + arrivals);
    }

    @Test
    void callbackAnswersOnceTheEventLoopIsEmpty() throws IOException {
        write("index.js", "exports.handler = (event, context, callback) => {\n"
                + "  context.callbackWaitsForEmptyEventLoop = event.wait;\n"
                + "  setTimeout(() => console.log('timer ran'), 50);\n"
                + "  callback(null, 'done');\n};\n");
        initOk("index.handler");
        assertEquals("done", invokeOk("waits", "{\"wait\":true}"));
        assertEquals(List.of("result init", "log waits", "result waits"), runtime.arrivals().subList(1, 4),
                "the timer's line comes before the result");

        assertEquals("done", invokeOk("nowait", "{\"wait\":false}"));
        assertEquals("result nowait", runtime.arrivals().get(4), "answered before the timer ran");
    }

    @Test
    void valuesThatAreNoErrorsThrownOrRejected() throws IOException {
        write("index.js", "exports.handler = async (event) => {\n"
                + "  if (event.kind === 'number') throw 42;\n"
                + "  if (event.kind === 'object') throw { code: 7 };\n"
                + "  return Promise.reject('rejected text');\n};\n");
        initOk("index.handler");
        Map<String, Object> number = invokeError("n", "{\"kind\":\"number\"}");
        assertEquals("42", number.get("errorMessage"));
        assertEquals("Error", number.get("errorType"));
        assertEquals("{\"code\":7}", invokeError("o", "{\"kind\":\"object\"}").get("errorMessage"));
        assertEquals("rejected text", invokeError("r", "{\"kind\":\"reject\"}").get("errorMessage"));
    }

    @Test
    void nodeModulesInsideTheCode() throws IOException {
        write("node_modules/greeter/package.json", "{\"name\":\"greeter\",\"main\":\"lib/main.js\"}");
        write("node_modules/greeter/lib/main.js", "exports.greet = (who) => 'hello ' + who;\n");
        write("src/app.js", "const { greet } = require('greeter');\nexports.handler = async (e) => greet(e.who);\n");
        initOk("src/app.handler");
        assertEquals("hello you", invokeOk("a", "{\"who\":\"you\"}"));
    }

    @Test
    void processExitInsideACallEndsTheRuntimeAfterDeliveringItsLog() throws Exception {
        write("index.js", "exports.handler = async () => { console.log('last words'); process.exit(3); };\n");
        initOk("index.handler");
        runtime.sendInvoke("a", "{}".getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() + 3000);
        assertThrows(IOException.class, runtime::receive, "no answer: the engine reports the exit");
        assertTrue(runtime.process().waitFor(5, TimeUnit.SECONDS));
        assertEquals(3, runtime.process().exitValue());
        assertEquals("last words\n", runtime.log("a"));
    }

    @Test
    void binarySafeStrings() throws IOException {
        write("index.js", "exports.handler = async (event) => ({ echo: event.text, made: 'nul\\u0000 lone\\ud800 ✓' });\n");
        initOk("index.handler");
        Frame reply = runtime.invoke("b", "{\"text\":\"a\\u0000b\\udfff c 😀\"}");
        assertFalse(reply.error(), reply::toString);
        assertEquals(Map.of("echo", "a\u0000b\udfff c 😀", "made", "nul\u0000 lone\ud800 ✓"), reply.payloadJson());
    }

    @Test
    void sixMegabyteResult() throws IOException {
        write("index.js", "exports.handler = async () => 'x'.repeat(6 * 1024 * 1024 - 2);\n");
        initOk("index.handler");
        Frame reply = runtime.invoke("big", "{}");
        assertFalse(reply.error(), reply::toString);
        assertEquals(6 * 1024 * 1024, reply.payload().length);
    }

    @Test
    void exitsWhenTheSocketCloses() throws Exception {
        runtime.disconnect();
        assertTrue(runtime.process().waitFor(5, TimeUnit.SECONDS), "process exits");
        assertEquals(0, runtime.process().exitValue());
    }
}
