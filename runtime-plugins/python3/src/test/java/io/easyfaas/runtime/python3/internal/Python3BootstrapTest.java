package io.easyfaas.runtime.python3.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.easyfaas.api.runtime.BootstrapFiles;
import io.easyfaas.api.runtime.testing.BootstrapTestBase;
import io.easyfaas.api.runtime.testing.Json;
import io.easyfaas.api.runtime.testing.RuntimeHarness;
import io.easyfaas.api.runtime.testing.RuntimeHarness.Frame;

/**
 * Runs the real bootstrap on the system python3 through {@link RuntimeHarness}, handed its
 * connection as the engine hands it; {@link Python3BootstrapOverSocketPathTest} runs the same
 * tests with a socket to connect to.
 */
class Python3BootstrapTest extends BootstrapTestBase {

    @Override
    protected boolean handsConnection() {
        return Python3RuntimeAdapter.TAKES_CONNECTION;
    }

    @Override
    protected String[] interpreters() {
        return Python3RuntimeAdapter.DEFAULT_INTERPRETERS;
    }

    /** The adapter's data area: where the interpreter compiles its copy of the bootstrap. */
    @TempDir
    static Path adapterData;

    /** Started as the adapter starts it: compiled, with the path the interpreter told. */
    @Override
    protected List<String> command(Path interpreter) {
        try {
            Files.copy(BOOTSTRAP.resolve("bootstrap.py"), adapterData.resolve("bootstrap.py"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Optional<Python3RuntimeAdapter.Prepared> prepared = Python3RuntimeAdapter.prepare(interpreter, adapterData);
        assertTrue(prepared.isPresent(), "the interpreter compiles the bootstrap and tells its path");
        return Python3RuntimeAdapter.command(interpreter, prepared, adapterData);
    }

    /** Where an interpreter could not prepare: the bootstrap's source, with site. */
    @Test
    void servesUnpreparedToo() throws IOException {
        Path interpreter = BootstrapFiles.firstExecutable(interpreters()).orElseThrow();
        write("index.py", "import sys\n\ndef handler(event, context):\n    return [event['x'], 'site' in sys.modules]\n");
        try (RuntimeHarness plain = RuntimeHarness.start(Python3RuntimeAdapter.command(interpreter, Optional.empty(), BOOTSTRAP))) {
            assertEquals("hello", plain.hello().type());
            assertFalse(plain.init("index.handler", code).error());
            assertEquals(List.of(1L, true), plain.invoke("a", "{\"x\":1}").payloadJson());
        }
    }

    /** Python reports where an import failed. */
    @Override
    protected Map<String, Object> initError(String handler) throws IOException {
        Map<String, Object> error = super.initError(handler);
        assertTrue(error.get("stackTrace") instanceof List, error::toString);
        return error;
    }

    @Test
    void saysHello() {
        Map<String, Object> hello = runtime.hello().header();
        assertEquals("hello", hello.get("type"));
        assertEquals("python3", hello.get("runtime"));
        assertEquals(runtime.process().pid(), hello.get("pid"));
        System.out.println("python3: process start to hello " + runtime.timeToHello().toMillis() + " ms");
    }

    @Test
    void answersHealthChecksBetweenCalls() throws IOException {
        assertEquals(true, runtime.hello().header().get("ping"), "the hello offers health checks");
        pingAnswered("ping-1");
        write("index.py", "def handler(event, context):\n    return 'ok'\n");
        initOk("index.handler");
        assertEquals("ok", invokeOk("a", "{}"));
        pingAnswered("ping-2");
    }

    @Test
    void initThenInvokeReturnsJson() throws IOException {
        write("index.py", "def handler(event, context):\n    return {'hello': event.get('name'), 'n': [1, 2.5, True, None]}\n");
        initOk("index.handler");
        assertEquals(Json.parse("{\"hello\":\"world\",\"n\":[1,2.5,true,null]}"), invokeOk("r1", "{\"name\":\"world\"}"));
        assertEquals(Json.parse("{\"hello\":null,\"n\":[1,2.5,true,null]}"), invokeOk("r2", ""), "empty payload is {}");
    }

    @Test
    void noneResultIsNull() throws IOException {
        write("index.py", "def handler(event, context):\n    pass\n");
        initOk("index.handler");
        assertEquals(null, invokeOk("a", "{}"));
    }

    @Test
    void exceptionHasTypeMessageAndTraceback() throws IOException {
        write("index.py", "class MyError(Exception):\n    pass\n\n"
                + "def helper(x):\n    raise MyError('custom ' + x)\n\n"
                + "def handler(event, context):\n    if event.get('kind') == 'value':\n        int('x')\n"
                + "    helper('y')\n");
        initOk("index.handler");
        Map<String, Object> error = invokeError("a", "{}");
        assertEquals("MyError", error.get("errorType"));
        assertEquals("custom y", error.get("errorMessage"));
        List<?> trace = (List<?>) error.get("stackTrace");
        assertEquals(2, trace.size(), error::toString);
        assertTrue(trace.get(0).toString().contains("index.py") && trace.get(0).toString().contains("in handler"), error::toString);
        assertTrue(trace.get(1).toString().contains("in helper"), error::toString);
        assertFalse(trace.toString().contains("bootstrap.py"), "the bootstrap's frames are left out");

        assertEquals("ValueError", invokeError("b", "{\"kind\":\"value\"}").get("errorType"));
    }

    @Test
    void unserializableResultIsAnInvokeError() throws IOException {
        write("index.py", "def handler(event, context):\n    return 'fine' if event.get('ok') else object()\n");
        initOk("index.handler");
        assertEquals("Runtime.SerializationError", invokeError("a", "{}").get("errorType"));
        assertEquals("fine", invokeOk("b", "{\"ok\":true}"), "the runtime survives");
    }

    @Test
    void systemExitFailsTheCallOnly() throws IOException {
        write("index.py", "import sys\ndef handler(event, context):\n    if event.get('ok'):\n        return 'fine'\n    sys.exit(3)\n");
        initOk("index.handler");
        assertEquals("SystemExit", invokeError("a", "{}").get("errorType"));
        assertEquals("fine", invokeOk("b", "{\"ok\":true}"));
    }

    @Test
    void handlerInSubfolder() throws IOException {
        write("src/app.py", "def handler(event, context):\n    return 'from src'\n");
        initOk("src/app.handler");
        assertEquals("from src", invokeOk("a", "{}"));
    }

    @Test
    void packageWithRelativeImport() throws IOException {
        write("pkg/__init__.py", "");
        write("pkg/util.py", "def twice(x):\n    return 2 * x\n");
        write("pkg/main.py", "from .util import twice\nfrom . import util\n\n"
                + "def handler(event, context):\n    return twice(event['x']) + util.twice(1)\n");
        initOk("pkg/main.handler");
        assertEquals(8L, invokeOk("a", "{\"x\":3}"));
    }

    @Test
    void siblingModulesImportFromTheCodeDirectory() throws IOException {
        write("helpers.py", "VALUE = 'helped'\n");
        write("index.py", "import helpers\n\ndef handler(event, context):\n    return helpers.VALUE\n");
        initOk("index.handler");
        assertEquals("helped", invokeOk("a", "{}"));
    }

    @Test
    void missingModuleIsImportModuleError() throws IOException {
        Map<String, Object> error = initError("nope.handler");
        assertEquals("Runtime.ImportModuleError", error.get("errorType"));
        assertTrue(error.get("errorMessage").toString().contains("nope"), error::toString);
        assertEquals(error, invokeError("a", "{}"), "invokes answer the init error");
    }

    @Test
    void moduleRaisingWhileLoadingIsImportModuleError() throws IOException {
        write("index.py", "import missing_dependency\n\ndef handler(event, context):\n    return 1\n");
        Map<String, Object> error = initError("index.handler");
        assertEquals("Runtime.ImportModuleError", error.get("errorType"));
        assertTrue(error.get("errorMessage").toString().contains("missing_dependency"), error::toString);

    }

    @Test
    void moduleRaisingOtherErrorWhileLoadingIsImportModuleError() throws IOException {
        write("index.py", "raise RuntimeError('broken at import')\n");
        Map<String, Object> error = initError("index.handler");
        assertEquals("Runtime.ImportModuleError", error.get("errorType"));
        assertTrue(error.get("errorMessage").toString().contains("broken at import"), error::toString);
        assertTrue(error.get("stackTrace").toString().contains("index.py"), error::toString);
    }

    @Test
    void missingFunctionIsHandlerNotFound() throws IOException {
        write("index.py", "other = 5\n");
        assertEquals("Runtime.HandlerNotFound", initError("index.handler").get("errorType"));
        assertEquals("Runtime.HandlerNotFound", invokeError("x", "{}").get("errorType"));
    }

    @Test
    void attributeThatIsNoFunctionIsHandlerNotFound() throws IOException {
        write("index.py", "handler = 5\n");
        assertEquals("Runtime.HandlerNotFound", initError("index.handler").get("errorType"));
    }

    @Test
    void syntaxErrorIsUserCodeSyntaxError() throws IOException {
        write("index.py", "def handler(event, context)\n    return 1\n");
        Map<String, Object> error = initError("index.handler");
        assertEquals("Runtime.UserCodeSyntaxError", error.get("errorType"));
        assertTrue(error.get("stackTrace").toString().contains("index.py"), error::toString);
    }

    @Test
    void environmentVariablesAndWorkingDirectory() throws IOException {
        write("index.py", "import os\n\ndef handler(event, context):\n"
                + "    return {'greeting': os.environ.get('GREETING'), 'cwd': os.getcwd(),\n"
                + "            'socket': 'visible' if 'EASYFAAS_RUNTIME_SOCKET' in os.environ else 'hidden'}\n");
        Frame init = runtime.init("index.handler", code, Map.of("GREETING", "hi there", "OTHER", "x"), 3000);
        assertFalse(init.error(), init::toString);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) invokeOk("a", "{}");
        assertEquals("hi there", result.get("greeting"));
        assertEquals(code.toRealPath().toString(), result.get("cwd"));
        assertEquals("hidden", result.get("socket"));
    }

    @Test
    void environmentIsVisibleAtImportTime() throws IOException {
        write("index.py", "import os\nAT_IMPORT = os.environ['GREETING']\n\ndef handler(event, context):\n    return AT_IMPORT\n");
        Frame init = runtime.init("index.handler", code, Map.of("GREETING", "early"), 3000);
        assertFalse(init.error(), init::toString);
        assertEquals("early", invokeOk("a", "{}"));
    }

    @Test
    void contextFields() throws IOException {
        write("index.py", "def handler(event, context):\n"
                + "    return {'aws_request_id': context.aws_request_id, 'request_id': context.request_id,\n"
                + "            'function_name': context.function_name, 'function_version': context.function_version,\n"
                + "            'memory_limit_in_mb': context.memory_limit_in_mb, 'arn': context.invoked_function_arn,\n"
                + "            'remaining': context.get_remaining_time_in_millis()}\n");
        initOk("index.handler");
        @SuppressWarnings("unchecked")
        Map<String, Object> ctx = (Map<String, Object>) invokeOk("req-123", "{}");
        assertEquals("req-123", ctx.get("aws_request_id"));
        assertEquals("req-123", ctx.get("request_id"));
        assertEquals("f", ctx.get("function_name"));
        assertEquals("$LATEST", ctx.get("function_version"));
        assertEquals("128", ctx.get("memory_limit_in_mb"));
        assertTrue(ctx.get("arn").toString().endsWith(":function:f"), ctx::toString);
        long remaining = (Long) ctx.get("remaining");
        assertTrue(remaining > 0 && remaining <= 3000, ctx::toString);
    }

    @Test
    void fiveMegabyteEventEchoedIntact() throws IOException {
        write("index.py", "def handler(event, context):\n    return event\n");
        initOk("index.handler");
        StringBuilder big = new StringBuilder(5 << 20);
        for (int i = 0; big.length() < 5 << 20; i++) {
            big.append((char) ('a' + i % 26));
        }
        String event = "{\"data\": \"" + big + "\"}"; // json.dumps' separators, so the echo is byte-identical
        Frame reply = runtime.invoke("big", event);
        assertFalse(reply.error(), reply::toString);
        assertEquals(event, reply.payloadText());
    }

    @Test
    void unicodeRoundTrip() throws IOException {
        write("index.py", "def handler(event, context):\n"
                + "    return {'text': event['text'], 'length': len(event['text']), 'extra': '✓ ü'}\n");
        initOk("index.handler");
        Frame reply = runtime.invoke("u", "{\"text\":\"héllo ✓ 日本\"}");
        assertFalse(reply.error(), reply::toString);
        assertEquals(Map.of("text", "héllo ✓ 日本", "length", 10L, "extra", "✓ ü"), reply.payloadJson());
        assertTrue(reply.payloadText().contains("日本"), "UTF-8, not \\u escapes");
    }

    @Test
    void pipelinedInvokesAreBothAnswered() throws IOException {
        write("index.py", "import time\n\ndef handler(event, context):\n    time.sleep(event['delay'] / 1000)\n    return event['delay']\n");
        initOk("index.handler");
        long deadline = System.currentTimeMillis() + 3000;
        runtime.sendInvoke("slow", "{\"delay\":100}".getBytes(StandardCharsets.UTF_8), deadline);
        runtime.sendInvoke("fast", "{\"delay\":1}".getBytes(StandardCharsets.UTF_8), deadline);
        Map<String, Object> replies = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            Frame reply = runtime.receive();
            replies.put(reply.id(), reply.payloadJson());
        }
        assertEquals(Map.of("slow", 100L, "fast", 1L), replies);
    }

    @Test
    void moduleLevelCodeRunsOnce() throws IOException {
        write("index.py", "import builtins\nbuiltins.loads = getattr(builtins, 'loads', 0) + 1\ncalls = 0\n\n"
                + "def handler(event, context):\n    global calls\n    calls += 1\n    return {'loads': builtins.loads, 'calls': calls}\n");
        initOk("index.handler");
        assertEquals(Map.of("loads", 1L, "calls", 1L), invokeOk("a", "{}"));
        assertEquals(Map.of("loads", 1L, "calls", 2L), invokeOk("b", "{}"));
        assertEquals(Map.of("loads", 1L, "calls", 3L), invokeOk("c", "{}"));
    }

    @Test
    void everyKindOfOutputDuringACallIsThatCallsLog() throws IOException {
        write("index.py", "import logging, sys, threading\n\n"
                + "def handler(event, context):\n"
                + "    print('printed')\n"
                + "    logging.warning('warned')\n"
                + "    sys.stdout.write('stdout write\\n')\n"
                + "    sys.stderr.write('stderr write ✓\\n')\n"
                + "    sys.stdout.buffer.write(b'bytes\\n')\n"
                + "    worker = threading.Thread(target=print, args=('from a thread',))\n"
                + "    worker.start()\n    worker.join()\n"
                + "    return 1\n");
        initOk("index.handler");
        invokeOk("a", "{}");
        assertEquals("printed\nWARNING:root:warned\nstdout write\nstderr write ✓\nbytes\nfrom a thread\n", runtime.log("a"));
        invokeOk("b", "{}");
        assertEquals(runtime.log("a"), runtime.log("b"), "the next call's lines are its own");
        assertFalse(runtime.stdout().contains("printed"), "not in the sandbox's own output");
    }

    @Test
    void outputOutsideCallsGoesToTheProcessOutput() throws IOException {
        write("index.py", "print('loading the module')\n\ndef handler(event, context):\n    return 1\n");
        initOk("index.handler");
        invokeOk("a", "{}");
        assertTrue(runtime.stdout().contains("loading the module"), "unbuffered: visible at once");
        assertEquals("", runtime.log("a"));
    }

    @Test
    void handlerReturnsAnyJsonValue() throws IOException {
        write("index.py", "def handler(event, context):\n    return event['value']\n");
        initOk("index.handler");
        assertEquals(List.of(1L, "two", true), invokeOk("a", "{\"value\":[1,\"two\",true]}"));
        assertEquals("text", invokeOk("b", "{\"value\":\"text\"}"));
        assertEquals(2.5, invokeOk("c", "{\"value\":2.5}"));
        assertEquals(false, invokeOk("d", "{\"value\":false}"));
        assertEquals(null, invokeOk("e", "{\"value\":null}"));
    }

    @Test
    void userModulesNamedLikeTheBootstrapsOwnImportsAreTheUsers() throws IOException {
        write("json.py", "WHO = 'my json'\n");
        write("socket.py", "WHO = 'my socket'\n");
        write("struct.py", "WHO = 'my struct'\n");
        write("index.py", "import json, socket, struct\n\n"
                + "def handler(event, context):\n    return [json.WHO, socket.WHO, struct.WHO, event['x']]\n");
        initOk("index.handler");
        assertEquals(List.of("my json", "my socket", "my struct", 1L), invokeOk("a", "{\"x\":1}"),
                "the user's modules are imported and the bootstrap still speaks JSON");
    }

    /** The bootstrap skips site at start; the function must not notice. */
    @Test
    void theFunctionSeesThePathAndBuiltinsOfPlainIsolatedPython() throws Exception {
        Path interpreter = BootstrapFiles.firstExecutable(interpreters()).orElseThrow();
        Process plain = new ProcessBuilder(interpreter.toString(), "-I", "-c", "import sys, json; print(json.dumps(sys.path))").start();
        Object plainPath = Json.parse(new String(plain.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, plain.waitFor());
        write("index.py", "import sys\n\ndef handler(event, context):\n"
                + "    return {'path': sys.path[1:], 'exit': type(exit).__name__, 'quit': type(quit).__name__}\n");
        initOk("index.handler");
        assertEquals(Map.of("path", plainPath, "exit", "Quitter", "quit", "Quitter"), invokeOk("a", "{}"),
                "after the code directory, the path of python3 -I, site directories included");
    }

    @Test
    void standardModulesStillImportWhenTheCodeDoesNotShadowThem() throws IOException {
        write("index.py", "import json\n\ndef handler(event, context):\n    return json.loads(json.dumps(event))\n");
        initOk("index.handler");
        assertEquals(Map.of("x", 1L), invokeOk("a", "{\"x\":1}"));
    }

    @Test
    void crashInsideACallEndsTheRuntime() throws Exception {
        write("index.py", "import os\n\ndef handler(event, context):\n    os._exit(3)\n");
        initOk("index.handler");
        runtime.sendInvoke("a", "{}".getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() + 3000);
        assertThrows(IOException.class, runtime::receive, "no answer: the engine reports the exit");
        assertTrue(runtime.process().waitFor(5, TimeUnit.SECONDS));
        assertEquals(3, runtime.process().exitValue());
    }

    @Test
    void binarySafeStrings() throws IOException {
        write("index.py", "def handler(event, context):\n    return {'echo': event['text'], 'made': 'nul\\x00 lone\\ud800 ✓'}\n");
        initOk("index.handler");
        Frame reply = runtime.invoke("b", "{\"text\":\"a\\u0000b\\udfff c 😀\"}");
        assertFalse(reply.error(), reply::toString);
        assertEquals(Map.of("echo", "a\u0000b\udfff c 😀", "made", "nul\u0000 lone\ud800 ✓"), reply.payloadJson());
        assertTrue(reply.payloadText().contains("😀") && reply.payloadText().contains("\\ud800"),
                "UTF-8 text with only the lone surrogates escaped: " + reply.payloadText());
    }

    @Test
    void sixMegabyteResult() throws IOException {
        write("index.py", "def handler(event, context):\n    return 'x' * (6 * 1024 * 1024 - 2)\n");
        initOk("index.handler");
        Frame reply = runtime.invoke("big", "{}");
        assertFalse(reply.error(), reply::toString);
        assertEquals(6 * 1024 * 1024, reply.payload().length);
    }

    @Test
    void exitsWhenTheSocketCloses() throws Exception {
        write("index.py", "import threading, time\n"
                + "threading.Thread(target=lambda: time.sleep(60)).start()  # a non-daemon thread\n\n"
                + "def handler(event, context):\n    return 1\n");
        initOk("index.handler");
        runtime.disconnect();
        assertTrue(runtime.process().waitFor(5, TimeUnit.SECONDS), "process exits");
        assertEquals(0, runtime.process().exitValue());
    }
}
