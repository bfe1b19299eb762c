"""The smallest EasyFaaS bootstrap: the runtime protocol, one call at a time.

The engine starts this file with a clean environment; $EASYFAAS_RUNTIME_SOCKET names a Unix
socket to connect to. Every message, both ways, is one frame:

    uint32 big-endian header length | uint32 big-endian payload length | JSON header | payload

1. connect, send {"type": "hello"}
2. receive {"type": "init", "id": ..., "handler": "module.function", "codeDirectory": ...,
   "environment": {...}, ...}; load the handler; answer {"type": "result", "id": <same>,
   "error": false} with an empty payload, or "error": true with an error document
3. for each {"type": "invoke", "id": <request id>, "deadline": <epoch ms>} with the event as
   payload, answer {"type": "result", "id": <request id>, "error": ...} with the result as payload
Error document: {"errorType": ..., "errorMessage": ..., "stackTrace": [...]}.
"""
import importlib
import json
import os
import socket
import struct
import sys
import traceback

PREFIX = struct.Struct(">II")


def send(sock, header, payload=b""):
    h = json.dumps(header).encode("utf-8")
    sock.sendall(PREFIX.pack(len(h), len(payload)) + h + payload)


def receive(stream):
    prefix = stream.read(PREFIX.size)
    if len(prefix) < PREFIX.size:
        raise EOFError()
    header_length, payload_length = PREFIX.unpack(prefix)
    header = json.loads(stream.read(header_length))
    return header, stream.read(payload_length)


def error(error_type, message, trace=()):
    return json.dumps({"errorType": error_type, "errorMessage": message, "stackTrace": list(trace)}).encode("utf-8")


def load(header):
    """Returns the handler, or raises with the error document to answer."""
    os.environ.update({str(k): str(v) for k, v in (header.get("environment") or {}).items()})
    os.chdir(header["codeDirectory"])
    sys.path.insert(0, header["codeDirectory"])
    module_name, _, function_name = str(header.get("handler") or "").rpartition(".")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as e:
        raise LoadError(error("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e)))
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise LoadError(error("Runtime.HandlerNotFound", "Handler '%s' missing" % function_name))
    return handler


class LoadError(Exception):
    pass


class Context(object):
    def __init__(self, header, init):
        self.aws_request_id = header["id"]
        self.function_name = init.get("functionName")
        self.deadline_ms = header.get("deadline") or 0


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.environ.pop("EASYFAAS_RUNTIME_SOCKET"))
    stream = sock.makefile("rb")
    send(sock, {"type": "hello", "runtime": "python3-minimal", "pid": os.getpid()})
    handler, init, init_error = None, None, None
    while True:
        try:
            header, payload = receive(stream)
        except EOFError:
            return  # the engine closed the channel: the sandbox is over
        if header.get("type") == "init":
            init = header
            try:
                handler = load(header)
                send(sock, {"type": "result", "id": header["id"], "error": False})
            except LoadError as e:
                init_error = e.args[0]
                send(sock, {"type": "result", "id": header["id"], "error": True}, init_error)
        elif header.get("type") == "invoke":
            if handler is None:
                send(sock, {"type": "result", "id": header["id"], "error": True},
                     init_error or error("Runtime.NotInitialized", "invoke before init"))
                continue
            try:
                result = json.dumps(handler(json.loads(payload or b"{}"), Context(header, init))).encode("utf-8")
                send(sock, {"type": "result", "id": header["id"], "error": False}, result)
            except Exception as e:
                send(sock, {"type": "result", "id": header["id"], "error": True},
                     error(type(e).__name__, str(e), traceback.format_tb(e.__traceback__)[1:]))


if __name__ == "__main__":
    main()
