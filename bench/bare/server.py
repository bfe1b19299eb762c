"""The Python reference for scenario 1: the no-op handler behind a minimal keep-alive HTTP server.

Usage: python3 server.py PORT HANDLER_DIR [asyncio|http.server]   (prints "listening" when ready)

asyncio (the default, and the reference the targets use): a bare HTTP/1.1 keep-alive loop on
asyncio streams; on this machine it serves ~2.5x the requests of http.server.
http.server: the standard library's ThreadingHTTPServer speaking HTTP/1.1, shown for comparison.
Both disable Nagle and write each response in one send: without that, every keep-alive request
stalls ~44 ms on the delayed ACK (../shared/reference/host-limits.md, C.4).
"""
import importlib.util
import json
import os
import socket
import sys


def load_handler(directory):
    spec = importlib.util.spec_from_file_location("index", os.path.join(directory, "index.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


class Context(object):
    aws_request_id = "bare"

    def get_remaining_time_in_millis(self):
        return 3000


def respond(handler, body):
    """The whole HTTP response for one request body, as one bytes object (one send)."""
    try:
        status, reason, out = 200, b"OK", json.dumps(handler(json.loads(body), Context())).encode()
    except Exception as e:  # a failing handler still answers, as in the engine
        status, reason, out = 500, b"Internal Server Error", json.dumps({"errorMessage": str(e)}).encode()
    return b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        status, reason, len(out), out)


def serve_asyncio(port, handler):
    import asyncio

    async def connection(reader, writer):
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length) if length else b"null"
                writer.write(respond(handler, body))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(connection, "127.0.0.1", port)
        print("listening", flush=True)
        await server.serve_forever()

    asyncio.run(main())


def serve_http_server(port, handler):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self):
            self.wfile.write(respond(handler, self.rfile.read(int(self.headers.get("Content-Length") or 0))))

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # wrk resets its connections when it stops

    server = Server(("127.0.0.1", port), Handler)
    print("listening", flush=True)
    server.serve_forever()


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    impl = sys.argv[3] if len(sys.argv) > 3 else "asyncio"
    serve = {"asyncio": serve_asyncio, "http.server": serve_http_server}[impl]
    serve(port, load_handler(directory))


if __name__ == "__main__":
    main()
