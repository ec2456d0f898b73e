#!/usr/bin/env python3
"""An API behind the gateway that trusts no header it cannot verify: every
request must carry an X-Auth-Request-Assertion signed by cognito-guard, for
one of this API's audiences, checked with PyJWT against the guard's
/.well-known/jwks.json. Without one it answers 401, so a request that
skipped the gateway, or an identity header forged on the way, gets nothing.
Paths under --public need no assertion (one that is sent must still
verify). Answers with the verified claims, as JSON.

Usage: verifying_upstream.py PORT (0: any free one) --jwks URL --issuer ISS --audience AUD[,AUD...]
                             [--public PREFIX[,PREFIX...]]
Needs: pip install 'pyjwt[crypto]'
"""
import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--jwks", required=True, help="the guard's /.well-known/jwks.json")
    parser.add_argument("--issuer", required=True, help="[forward_auth.assertion] issuer")
    parser.add_argument("--audience", required=True, help="this API's audiences, comma-separated")
    parser.add_argument("--public", default="", help="path prefixes needing no assertion")
    args = parser.parse_args()
    # Caches the key set, and fetches it again for a kid it does not know.
    keys = jwt.PyJWKClient(args.jwks, cache_keys=True, lifespan=300)
    audiences = [a for a in args.audience.split(",") if a]
    public = [p for p in args.public.split(",") if p]

    class Verifying(BaseHTTPRequestHandler):
        def reply(self, status, body):
            data = json.dumps(body, indent=2).encode() + b"\n"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def answer(self):
            token = self.headers.get("X-Auth-Request-Assertion", "")
            path = self.path.split("?", 1)[0]
            if not token:
                if any(path.startswith(p) for p in public):
                    return self.reply(200, {"path": self.path, "caller": None})
                return self.reply(401, {"detail": "no identity assertion: not through the gateway"})
            try:
                key = keys.get_signing_key_from_jwt(token)
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=["ES256"],
                    audience=audiences,
                    issuer=args.issuer,
                    options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                )
            except jwt.PyJWTError as error:
                return self.reply(401, {"detail": f"identity assertion refused: {error}"})
            self.reply(200, {"path": self.path, "caller": claims})

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Verifying)
    # With port 0 the kernel picks one: say which.
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
