"""The floor for any out-of-process hooks handler under Dredd: echoes each line.

No JSON, no hooks, one connection: what Dredd's worker protocol costs by itself.
`python echo_handler.py --port N [hook files, ignored]`.
"""

import socket
import sys

port = int(sys.argv[sys.argv.index("--port") + 1])
server = socket.create_server(("127.0.0.1", port))
print("Starting", flush=True)
conn, _ = server.accept()
conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
pending = b""
while True:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    chunk = conn.recv(1 << 18)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
    if not chunk:
        break
    pending += chunk
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        conn.sendall(line + b"\n")
