"""The benchmark's contract: a generated API Blueprint and a stdlib server answering it.

Deterministic: the same 90 transactions and byte-identical responses on every run.
`python bench/handler/contract.py PORT` serves it on 127.0.0.1:PORT until killed.
"""

from __future__ import annotations

import http.server
import json
import sys

RESOURCES = 90
FIELDS = 8  # a small API's body; the latency section measures large messages apart


def record(index: int, fields: int = FIELDS) -> dict[str, object]:
    """The JSON body resource `index` answers with, and its blueprint shows."""
    body: dict[str, object] = {"id": index, "name": f"item {index}"}
    for field in range(fields):
        body[f"field_{field}"] = f"value {index}.{field} " + "x" * 40
    body["tags"] = ["alpha", "beta"]
    return body


def blueprint() -> str:
    """An API Blueprint with one GET transaction per resource (plain JSON examples:
    MSON attributes would make Dredd spend seconds parsing, drowning what we measure)."""
    parts = ["FORMAT: 1A\n\n# Bench API\n"]
    for index in range(RESOURCES):
        example = json.dumps(record(index), indent=4).replace("\n", "\n        ")
        parts.append(
            f"\n## Item {index} [/items/{index}]\n\n### Read item {index} [GET]\n\n"
            f"+ Response 200 (application/json)\n\n        {example}\n"
        )
    return "".join(parts)


def responses() -> dict[str, bytes]:
    """Path → the whole HTTP response, computed once and written in one piece."""
    table = {}
    for index in range(RESOURCES):
        body = json.dumps(record(index)).encode()
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        table[f"/items/{index}"] = head.encode() + body
    return table


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers GET /items/N with record N in one write; anything else is a 404."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # with one write per response, no delayed-ACK stall
    table = responses()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.wfile.write(self.table.get(self.path, NOT_FOUND))

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: a line per request would cost more than the request."""


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print("serving", flush=True)
    server.serve_forever()
