# Bare Python start for scenario 2: connect to the parent's Unix socket, load the handler, answer
# one JSON line, exit. Run as: python3 -I -S coldstart_child.py SOCKET HANDLER_DIR
import json
import socket
import sys

sys.path.insert(0, sys.argv[2])
from index import handler  # noqa: E402

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(sys.argv[1])
stream = sock.makefile("rwb")
event = json.loads(stream.readline())
stream.write(json.dumps(handler(event, None)).encode() + b"\n")
stream.flush()
