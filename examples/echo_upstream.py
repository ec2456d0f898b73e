#!/usr/bin/env python3
"""The API behind the gateway in `make gateway-demo`: answers every request
with the method, the path and the identity headers it received, as JSON.

Usage: echo_upstream.py [PORT]   (default 8080, loopback only)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Echo(BaseHTTPRequestHandler):
    def answer(self):
        identity = {
            name: value
            for name, value in self.headers.items()
            if name.lower().startswith("x-auth-request-")
        }
        body = json.dumps(
            {"method": self.command, "path": self.path, "identity": identity},
            indent=2,
        ).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    ThreadingHTTPServer(("127.0.0.1", port), Echo).serve_forever()
