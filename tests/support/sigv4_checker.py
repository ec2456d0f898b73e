#!/usr/bin/env python3
"""A stand-in for the Cognito Identity Provider API that checks SigV4.

moto accepts any signature, so a request signed for one Host and sent with
another passes there and fails against Cognito. This stand-in recomputes each
signature with botocore's SigV4Auth (an implementation independent of the
server's aws-sigv4) from the request exactly as received: method, the Host
header and path that arrived, the headers named in SignedHeaders, and the
body. A mismatch is answered like Cognito answers it:
400 {"__type": "InvalidSignatureException"}.

It knows a fixed list of users and answers ListUsers (a `sub = "..."`
filter), AdminListGroupsForUser, AdminDeleteUser and AdminUserGlobalSignOut. Cognito documents
`username` and `cognito:user_status` searches as case-sensitive and says
nothing of `sub`; this stand-in matches `sub` without regard to case, so a
test can ask for one spelling and be answered with the user's real sub.

Usage: sigv4_checker.py REGION ACCESS_KEY SECRET_KEY USERS_JSON [PORT]
where USERS_JSON is [{"username", "sub", "email", "groups": [...]}, ...].
It listens on loopback PORT (a free one when omitted, or 0) and prints the
port as its first line. The tests pass a port (tests/external/listening.rs).
GET /calls lists the calls received, for the test to assert on.
"""

import datetime
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "cognito-idp"
TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# Cognito refuses requests whose date is further than this from its clock.
MAX_SKEW = datetime.timedelta(minutes=5)
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)
SUB_FILTER = re.compile(r'^sub = "([^"\\]*)"$')


def now_utc():
    """Now, as a naive UTC time like the parsed X-Amz-Date."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def signature_problem(region, credentials, method, path, headers, body):
    """Why the request's signature is wrong, or None when it verifies."""
    match = AUTHORIZATION.match(headers.get("authorization", ""))
    if not match:
        return "no well-formed SigV4 Authorization header"
    access_key, day, scope_region, service, signed, signature = match.groups()
    if access_key != credentials.access_key:
        return "unknown access key"
    if (scope_region, service) != (region, SERVICE):
        return f"scope {scope_region}/{service} is not {region}/{SERVICE}"
    amz_date = headers.get("x-amz-date", "")
    try:
        sent_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return "no valid X-Amz-Date"
    if amz_date[:8] != day:
        return "credential date is not the X-Amz-Date day"
    if abs(now_utc() - sent_at) > MAX_SKEW:
        return "X-Amz-Date too far from now"
    names = signed.split(";")
    if "host" not in names:
        return "the Host header is not signed"
    missing = [n for n in names if n not in headers]
    if missing:
        return f"signed headers not sent: {missing}"

    # Rebuild the request from what arrived: the Host header as received
    # gives the URL's authority and, being signed, the canonical host.
    request = AWSRequest(
        method=method,
        url=f"http://{headers['host']}{path}",
        data=body,
        headers={n: headers[n] for n in names},
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(credentials, SERVICE, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if signer.signed_headers(signer.headers_to_sign(request)) != signed:
        return "SignedHeaders does not name the signed headers"
    if expected != signature:
        return "signature mismatch"
    return None


class Pool:
    """The users, and every call received, under one lock."""

    def __init__(self, users):
        self.users = users
        self.calls = []
        self.lock = threading.Lock()

    def answer(self, action, body):
        with self.lock:
            if action == "ListUsers":
                match = SUB_FILTER.match(body.get("Filter", ""))
                if not match:
                    return 400, {"__type": "InvalidParameterException"}
                wanted = match.group(1).lower()
                found = [u for u in self.users if u["sub"].lower() == wanted]
                return 200, {"Users": [user_type(u) for u in found]}
            user = next(
                (u for u in self.users if u["username"] == body.get("Username")), None
            )
            actions = ("AdminListGroupsForUser", "AdminDeleteUser", "AdminUserGlobalSignOut")
            if action in actions and user is None:
                return 400, {"__type": "UserNotFoundException"}
            if action == "AdminListGroupsForUser":
                return 200, {"Groups": [{"GroupName": g} for g in user.get("groups", [])]}
            # A user whose "fails_after" names the action: Cognito acts, then
            # the answer is lost (a 500), as in a timeout after the fact.
            acted_but_failed = user.get("fails_after") == action
            if action == "AdminDeleteUser":
                self.users.remove(user)
            elif action != "AdminUserGlobalSignOut":
                return 400, {"__type": "UnknownOperationException"}
            if acted_but_failed:
                return 500, {"__type": "InternalErrorException"}
            return 200, {}


def user_type(user):
    attributes = [{"Name": "sub", "Value": user["sub"]}]
    if user.get("email"):
        attributes.append({"Name": "email", "Value": user["email"]})
    return {
        "Username": user["username"],
        "Attributes": attributes,
        "Enabled": True,
        "UserStatus": "CONFIRMED",
    }


def handler(region, credentials, pool):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/calls":
                return self.reply(404, {})
            with pool.lock:
                calls = list(pool.calls)
            self.reply(200, calls)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            problem = signature_problem(
                region, credentials, "POST", self.path, headers, body
            )
            target = headers.get("x-amz-target", "")
            action = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else ""
            with pool.lock:
                pool.calls.append(
                    {
                        "action": action,
                        "host": headers.get("host"),
                        "path": self.path,
                        "signature_problem": problem,
                    }
                )
            if problem:
                return self.reply(
                    400, {"__type": "InvalidSignatureException", "message": problem}
                )
            try:
                parsed = json.loads(body)
            except ValueError:
                return self.reply(400, {"__type": "SerializationException"})
            self.reply(*pool.answer(action, parsed))

        def reply(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/x-amz-json-1.1")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args):
            pass

    return Handler


def main():
    region, access_key, secret_key, users = sys.argv[1:5]
    port = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    credentials = Credentials(access_key, secret_key)
    pool = Pool(json.loads(users))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler(region, credentials, pool))
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
