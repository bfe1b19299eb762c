"""Bare interpreter start to first reply, the reference for scenario 2 when no stem cell is free.

The parent listens on a Unix socket and spawns the interpreter with an empty environment; the
child connects, loads the no-op handler, reads one JSON line and answers it. Measured: spawn to
the reply (as ../shared/reference/host-limits.md C.2). Usage: python3 coldstart.py python|node N
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FUNCTIONS = os.path.join(os.path.dirname(HERE), "functions")
COMMANDS = {
    "python": (["/usr/bin/python3", "-I", "-S", os.path.join(HERE, "coldstart_child.py")],
               os.path.join(FUNCTIONS, "noop-python")),
    "node": (["/usr/bin/node", os.path.join(HERE, "coldstart_child.js")], os.path.join(FUNCTIONS, "noop-node")),
}


def spawn_to_first_reply(language, timeout=10.0):
    """Seconds from spawn to the child's first reply."""
    command, handler_dir = COMMANDS[language]
    with tempfile.TemporaryDirectory(prefix="easyfaas-bare-") as directory:
        path = os.path.join(directory, "rt.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        listener.settimeout(timeout)
        started = time.perf_counter()
        child = subprocess.Popen(command + [path, handler_dir], env={}, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, close_fds=True)
        try:
            connection, _ = listener.accept()
            with connection:
                connection.settimeout(timeout)
                connection.sendall(b'{"name":"bench"}\n')
                reply = b""
                while not reply.endswith(b"\n"):
                    chunk = connection.recv(4096)
                    if not chunk:
                        raise RuntimeError("%s child closed without a reply" % language)
                    reply += chunk
            elapsed = time.perf_counter() - started
        finally:
            listener.close()
            child.wait(timeout)
        return elapsed


if __name__ == "__main__":
    samples = [spawn_to_first_reply(sys.argv[1]) for _ in range(int(sys.argv[2]))]
    print("%s: median %.1f ms over %d starts" % (sys.argv[1], statistics.median(samples) * 1000, len(samples)))
