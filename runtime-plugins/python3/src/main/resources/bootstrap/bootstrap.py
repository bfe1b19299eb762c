"""EasyFaaS Python bootstrap.

Takes the connection the engine made for it as a descriptor ($EASYFAAS_RUNTIME_FD) or connects
to the engine's Unix socket ($EASYFAAS_RUNTIME_SOCKET), says hello, then serves frames
of io.easyfaas.api.runtime.RuntimeProtocol, one at a time:

    frame = uint32 BE headerLength, uint32 BE payloadLength, UTF-8 JSON header, payload bytes

init imports the handler once; each invoke calls handler(event, context). Started as
``python3 -I -S -u bootstrap.<cache tag>.pyc SYS_PATH...``: the adapter had the interpreter
compile this file and tell its sys.path once, so no start compiles it (5 ms) or runs ``site``
(several ms with the host's .pth files and sitecustomize). Without them, as
``python3 -I -u bootstrap.py``. Imports only modules that are cheap to load, for the same
reason: the C modules _socket and _thread, not socket and threading. Python 3.7+.

What a call writes to sys.stdout / sys.stderr (print, logging, tracebacks, the threads it uses)
is tagged with its request id and sent to the engine as {"type":"log","id":<request id>} frames
ahead of its result. Calls run one at a time, so the call running now is the one to tag with.
Output outside calls (module-level code, native writes to fd 1/2) goes to the process's own
stdout/stderr, the sandbox's output file.
"""
import sys
import builtins
import os  # site loads os (with os.path and stat) in plain ``python3``: user code cannot shadow them there
import _sitebuiltins

_STARTUP_MODULES = frozenset(sys.modules)  # what plain ``python3`` has loaded before user code

import _socket  # noqa: E402 (the imports below are the bootstrap's own; see give_way_to)
import _thread  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402

_BOOTSTRAP_MODULES = frozenset(sys.modules) - _STARTUP_MODULES

if sys.flags.no_site and len(sys.argv) > 1:  # what site would have done: its path, exit() and quit()
    sys.path[:] = sys.argv[1:]
    builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")
    builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")

# importlib.machinery's PathFinder, without importing importlib for it
PATH_FINDER = sys.modules["_frozen_importlib_external"].PathFinder
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # pairs were joined when the JSON was read
EMPTY = b""
BOOTSTRAP_FILE = sys._getframe().f_code.co_filename  # this file as tracebacks name it, compiled or not


class LambdaContext(object):
    """What the handler gets as its second argument, as in AWS Lambda."""

    __slots__ = ("aws_request_id", "request_id", "function_name", "function_version",
                 "memory_limit_in_mb", "invoked_function_arn", "log_group_name", "log_stream_name",
                 "identity", "client_context", "_deadline_ms")

    def __init__(self, request_id, deadline_ms, function):
        self.aws_request_id = request_id
        self.request_id = request_id
        self.function_name = function.name
        self.function_version = function.version
        self.memory_limit_in_mb = function.memory
        self.invoked_function_arn = function.arn
        self.log_group_name = "/aws/lambda/" + function.name
        self.log_stream_name = function.name
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


class Function(object):
    name = ""
    version = "$LATEST"
    memory = "128"
    arn = ""
    handler = None
    init_error = None
    initialized = False


def error_payload(error_type, message, trace):
    return json.dumps({"errorMessage": message, "errorType": error_type, "stackTrace": trace}).encode("utf-8")


def exception_payload(e, error_type=None, skip_frames=1):
    tb = e.__traceback__
    for _ in range(skip_frames):  # drop the bootstrap's own frames
        if tb is not None:
            tb = tb.tb_next
    return error_payload(error_type or type(e).__name__, str(e), format_tb(tb))


def format_tb(tb):
    """The frames of a traceback as traceback.format_tb writes them, one
    '  File "<file>", line <n>, in <name>\\n    <source line>\\n' each, without importing
    traceback: with linecache, tokenize and textwrap it costs every runtime start about 6 ms."""
    entries, sources = [], {}
    while tb is not None:
        code = tb.tb_frame.f_code
        entry = '  File "%s", line %s, in %s\n' % (code.co_filename, tb.tb_lineno, code.co_name)
        line = _source_line(sources, code.co_filename, tb.tb_lineno)
        entries.append(entry + ("    %s\n" % line if line else ""))
        tb = tb.tb_next
    return entries


def _source_line(sources, filename, lineno):
    if filename not in sources:
        try:
            with open(filename, "rb") as source:
                sources[filename] = source.read().decode("utf-8", "replace").splitlines()
        except (OSError, ValueError):  # <stdin>, <frozen ...>, a file gone since
            sources[filename] = []
    lines = sources[filename]
    return lines[lineno - 1].strip() if lineno and lineno <= len(lines) else ""


def _json_default(o):
    if type(o).__name__ == "Decimal":  # as Lambda does, without importing decimal
        return float(o)
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def to_json(result):
    try:
        return json.dumps(result, ensure_ascii=False, allow_nan=False, default=_json_default).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, which UTF-8 cannot carry: escape just those
        text = json.dumps(result, ensure_ascii=False, allow_nan=False, default=_json_default)
        return LONE_SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), text).encode("utf-8")


class Connection(object):
    def __init__(self, descriptor, path):
        if descriptor is not None:  # made by the engine before this process started
            self.sock = _socket.socket(fileno=descriptor)
        else:
            self.sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            self.sock.connect(path)
        self.rfile = open(self.sock.fileno(), "rb", buffering=65536, closefd=False)
        self.send_lock = _thread.allocate_lock()  # user threads send log frames too

    def read_exactly(self, n):
        if n == 0:
            return EMPTY
        data = self.rfile.read(n)  # a BufferedReader reads until n bytes or end of stream
        if data is None or len(data) < n:
            raise EOFError()
        return data

    def receive(self):
        prefix = self.read_exactly(8)
        header = json.loads(self.read_exactly(int.from_bytes(prefix[:4], "big")))
        return header, self.read_exactly(int.from_bytes(prefix[4:], "big"))

    def has_frame_waiting(self):
        try:
            return len(self.sock.recv(1, _socket.MSG_PEEK | _socket.MSG_DONTWAIT)) > 0
        except BlockingIOError:
            return False

    def send(self, header, payload):
        h = json.dumps(header).encode("utf-8")
        with self.send_lock:
            self.sock.sendall(len(h).to_bytes(4, "big") + len(payload).to_bytes(4, "big") + h + payload)

    def reply(self, request_id, error, payload):
        self.send({"type": "result", "id": request_id, "error": error}, payload)


class CallLog(object):
    """Output of the call running now, batched into log frames."""

    FLUSH_BYTES = 64 * 1024

    def __init__(self, conn):
        self.conn = conn
        self.request_id = None  # the call running now, None between calls
        self.lock = _thread.allocate_lock()
        self.pending = []
        self.pending_id = None
        self.size = 0

    def add(self, request_id, data):
        with self.lock:
            if self.pending_id != request_id:
                self._flush()
                self.pending_id = request_id
            self.pending.append(data)
            self.size += len(data)
            if self.size >= self.FLUSH_BYTES:
                self._flush()

    def flush(self):
        with self.lock:
            self._flush()

    def _flush(self):
        if self.pending:
            data, self.pending, self.size = b"".join(self.pending), [], 0
            self.conn.send({"type": "log", "id": self.pending_id}, data)


class CallOutput(object):
    """Stands in for sys.stdout or sys.stderr: text written during a call goes to its log."""

    def __init__(self, stream, log):
        self._stream = stream
        self._log = log
        self.buffer = _CallOutputBytes(stream, log)

    def write(self, text):
        request_id = self._log.request_id
        if request_id is None:
            return self._stream.write(text)
        self._log.add(request_id, str(text).encode("utf-8", "backslashreplace"))
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        if self._log.request_id is None:
            self._stream.flush()

    def __getattr__(self, name):  # encoding, fileno, isatty, ...: the real stream's
        return getattr(self._stream, name)


class _CallOutputBytes(object):
    """sys.stdout.buffer for code that writes bytes."""

    def __init__(self, stream, log):
        self._stream = stream
        self._log = log

    def write(self, data):
        request_id = self._log.request_id
        if request_id is None:
            return self._stream.buffer.write(data)
        self._log.add(request_id, bytes(data))
        return len(data)

    def flush(self):
        if self._log.request_id is None:
            self._stream.buffer.flush()

    def __getattr__(self, name):
        return getattr(self._stream.buffer, name)


def give_way_to(directories):
    """Forgets the bootstrap's own modules (json, re, ...) that the function's code
    has a module of the same name for, so that its imports find its own as they would when its
    code runs in plain ``python3``. The bootstrap keeps the module objects it already holds."""
    tops = {name.partition(".")[0] for name in _BOOTSTRAP_MODULES}
    # one listing per directory: asking the finder about every module stats the directory each time
    present = set()
    for directory in directories:
        try:
            present.update(entry.partition(".")[0] for entry in os.listdir(directory))
        except OSError:
            pass
    shadowed = {top for top in tops & present if PATH_FINDER.find_spec(top, directories) is not None}
    for name in _BOOTSTRAP_MODULES:
        if name.partition(".")[0] in shadowed:
            sys.modules.pop(name, None)


def load(header, function):
    """Sets up the process for the function and imports its handler; returns an error payload or None."""
    environment = header.get("environment") or {}
    for key, value in environment.items():
        os.environ[str(key)] = str(value)
    code_directory = header["codeDirectory"]
    function.name = str(header.get("functionName") or "")
    function.version = str(header.get("functionVersion") or "$LATEST")
    function.memory = str(header.get("memoryLimitMB") or "")
    function.arn = "arn:aws:lambda:%s:000000000000:function:%s%s" % (
        os.environ.get("AWS_REGION", "local"), function.name,
        "" if function.version == "$LATEST" else ":" + function.version)
    os.chdir(code_directory)
    # -I ignores PYTHONPATH at start; honour the function's own, after its code
    extra = environment.get("PYTHONPATH")
    user_path = [code_directory] + ([p for p in str(extra).split(os.pathsep) if p] if extra else [])
    sys.path[0:0] = user_path
    give_way_to(user_path)

    spec = str(header.get("handler") or "")
    module_path, dot, name = spec.rpartition(".")
    if not dot or not module_path or not name:
        return error_payload("Runtime.MalformedHandlerName",
                             "Bad handler '%s': expected path/to/module.function" % spec, [])
    module_name = module_path.replace("/", ".").strip(".")
    try:
        __import__(module_name)
        module = sys.modules[module_name]
    except SyntaxError as e:
        return error_payload("Runtime.UserCodeSyntaxError",
                             "Syntax error in module '%s': %s" % (module_name, e), _syntax_trace(e))
    except ImportError as e:
        return error_payload("Runtime.ImportModuleError",
                             "Unable to import module '%s': %s" % (module_name, e), _user_trace(e))
    except BaseException as e:  # noqa: module-level code raised (SystemExit included)
        return error_payload("Runtime.ImportModuleError",
                             "Unable to import module '%s': %s: %s" % (module_name, type(e).__name__, e),
                             _user_trace(e))
    handler = getattr(module, name, None)
    if not callable(handler):
        return error_payload("Runtime.HandlerNotFound",
                             "Handler '%s' missing on module '%s'" % (name, module_name), [])
    function.handler = handler
    return None


def _user_trace(e):
    # import machinery frames (<frozen importlib._bootstrap>) say nothing to the user
    return [line for line in format_tb(e.__traceback__)
            if "<frozen importlib" not in line and BOOTSTRAP_FILE not in line]


def _syntax_trace(e):
    return ['  File "%s", line %s\n' % (e.filename, e.lineno)] + ([e.text] if e.text else [])


def invoke(header, payload, function, log):
    request_id = header.get("id")
    log.request_id = request_id
    try:
        return call(request_id, header, payload, function)
    finally:
        log.request_id = None
        log.flush()  # ahead of the result


def call(request_id, header, payload, function):
    if function.handler is None:
        return request_id, True, function.init_error or error_payload(
            "Runtime.NotInitialized", "invoke before init", [])
    try:
        event = json.loads(payload) if payload else {}
    except ValueError as e:
        return request_id, True, error_payload("Runtime.UnmarshalError", "event is not JSON: %s" % e, [])
    context = LambdaContext(request_id, header.get("deadline") or 0, function)
    try:
        result = function.handler(event, context)
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        return request_id, True, exception_payload(e)
    try:
        return request_id, False, to_json(result)
    except (TypeError, ValueError, RecursionError) as e:
        return request_id, True, error_payload("Runtime.SerializationError",
                                               "Unable to serialize the result: %s" % e, [])


def main():
    descriptor = os.environ.pop("EASYFAAS_RUNTIME_FD", None)
    path = os.environ.pop("EASYFAAS_RUNTIME_SOCKET", None)
    if descriptor is None and not path:
        sys.stderr.write("easyfaas bootstrap: neither EASYFAAS_RUNTIME_FD nor EASYFAAS_RUNTIME_SOCKET is set\n")
        return 2
    conn = Connection(None if descriptor is None else int(descriptor), path)
    conn.send({"type": "hello", "runtime": "python3", "pid": os.getpid(),
               "version": "%d.%d.%d" % sys.version_info[:3], "ping": True}, EMPTY)
    # CPython sets its compiler up on its first use, 1.4-2 ms here. A stem cell pays that before it
    # is given a function, whose code may need it: a module left without bytecode at its deploy,
    # a namedtuple. A runtime made for a call has its init waiting, and its call too.
    if not conn.has_frame_waiting():
        compile("pass", "<warm-up>", "exec")
    function = Function()
    log = CallLog(conn)
    sys.stdout = CallOutput(sys.stdout, log)
    sys.stderr = CallOutput(sys.stderr, log)
    while True:
        try:
            serve(conn, function, log)
        except (EOFError, ConnectionError):
            return 0


def serve(conn, function, log):
    """Reads one frame and answers it."""
    header, payload = conn.receive()
    kind = header.get("type")
    if kind == "invoke":
        request_id, error, reply = invoke(header, payload, function, log)
        conn.reply(request_id, error, reply)
    elif kind == "init":
        if function.initialized:
            conn.reply(header.get("id"), True, error_payload(
                "Runtime.AlreadyInitialized", "already initialized", []))
            return
        function.initialized = True
        try:
            function.init_error = load(header, function)
        except BaseException as e:  # noqa: bad init header, missing directory
            function.init_error = exception_payload(e, "Runtime.InitError", skip_frames=0)
        if function.init_error:
            conn.reply(header.get("id"), True, function.init_error)
        else:
            conn.reply(header.get("id"), False, EMPTY)
    elif kind == "ping":  # a health check between calls
        conn.reply(header.get("id"), False, EMPTY)
    else:
        sys.stderr.write("easyfaas bootstrap: ignoring frame of type %r\n" % (kind,))


if __name__ == "__main__":
    try:
        code = main()
    except BaseException as error:  # noqa: the bootstrap itself failed; say why before dying
        sys.stderr.write("easyfaas bootstrap failed:\n%s%s: %s\n"
                         % ("".join(format_tb(error.__traceback__)), type(error).__name__, error))
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # user threads must not keep a disconnected runtime alive
