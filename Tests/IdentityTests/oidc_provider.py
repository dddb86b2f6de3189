"""A local OpenID Connect provider for the tests of "Sign in with Telegram" over OIDC
(standard library http.server + the `cryptography` package; the JWT code is this file's own).

    oidc_provider.py --port PORT --dir DIR --client-id ID --client-secret SECRET

It listens on 127.0.0.1:PORT (0: any free port) with issuer http://127.0.0.1:<port>, makes a fresh
RSA-2048 signing key with a random `kid`, then writes DIR/ready holding just the port (to a
temporary name, renamed, so a reader never sees half a file). It logs to stderr only, and runs
until SIGTERM/SIGINT or until its parent process goes away.

  GET  /.well-known/openid-configuration   discovery document
  GET  /.well-known/jwks.json              the public key (RS256)
  GET  /auth                               authorization code + PKCE (S256) request; approves at
                                           once, as the current user, with a 302 to redirect_uri
  POST /token                              code -> access token + id_token; the client authenticates
                                           with HTTP Basic (client_secret_basic, both parts
                                           form-urlencoded, RFC 6749 2.3.1) or form fields
                                           (client_secret_post); codes work once, for 10 minutes
  POST /control                            {"user": {"id": int, "name": str, "preferred_username": str,
                                           "picture": str (optional)}, "defect": DEFECT}: the user
                                           and the defect for codes issued from now on (204). A
                                           missing "user" keeps the current one; a missing "defect"
                                           means "none".
  GET  /control/last-token-request         {"form": {...}, "basic_client_id": str|null} of the latest
                                           /token request, whatever its outcome

DEFECT spoils the id_token made from such a code: none, wrong_aud (aud "someone-else"), expired
(iat an hour ago, exp half an hour ago), bad_signature (signed by another key under the same kid),
wrong_nonce (a random nonce), wrong_issuer (iss "https://evil.example"), unknown_kid (kid "unknown").
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DEFECTS = ("none", "wrong_aud", "expired", "bad_signature", "wrong_nonce", "wrong_issuer", "unknown_kid")
CODE_LIFETIME = 600
ID_TOKEN_LIFETIME = 300
MAX_BODY = 64 * 1024
# RFC 7636 4.1: 43 to 128 unreserved characters; an S256 challenge is 43 base64url characters.
VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def log(message):
    sys.stderr.write(f"oidc_provider: {message}\n")
    sys.stderr.flush()


def b64url(data):
    """base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def uint_b64url(value):
    """A non-negative integer as the base64url of its shortest big-endian bytes (RFC 7518 6.3.1)."""
    return b64url(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def rs256_jwt(header, claims, private_key):
    """A compact JWS: base64url(header) "." base64url(claims) "." base64url(RSASSA-PKCS1-v1_5 SHA-256)."""
    compact = lambda obj: json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    signing_input = f"{b64url(compact(header))}.{b64url(compact(claims))}".encode("ascii")
    signature = private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def write_atomically(path, data):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Provider:
    """Everything the handlers share; `lock` guards the mutable parts."""

    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = ""  # known once the socket is bound
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.lock = threading.Lock()
        self.user = {"id": 100000001, "name": "Test Player", "preferred_username": "test_player"}
        self.defect = "none"
        self.codes = {}  # code -> grant
        self.last_token_request = None

    def jwks(self):
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                          "n": uint_b64url(numbers.n), "e": uint_b64url(numbers.e)}]}

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/auth",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "phone"],
        }

    def id_token(self, grant):
        user, defect = grant["user"], grant["defect"]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": str(user["id"]),
            "id": user["id"],
            "name": user["name"],
            "preferred_username": user["preferred_username"],
            "iat": now,
            "auth_time": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "nonce": grant["nonce"],
        }
        if user.get("picture"):
            claims["picture"] = user["picture"]
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        key = self.key
        if defect == "wrong_aud":
            claims["aud"] = "someone-else"
        elif defect == "expired":
            claims["iat"] = claims["auth_time"] = now - 3600
            claims["exp"] = now - 1800
        elif defect == "bad_signature":
            key = self.other_key
        elif defect == "wrong_nonce":
            claims["nonce"] = secrets.token_urlsafe(16)
        elif defect == "wrong_issuer":
            claims["iss"] = "https://evil.example"
        elif defect == "unknown_kid":
            header["kid"] = "unknown"
        return rs256_jwt(header, claims, key)


class Refusal(Exception):
    def __init__(self, status, error, description):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections when a test opens many at once


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "croupier-test-oidc/1"
    provider: Provider  # set on the class in main()

    # ------------------------------------------------------------------ plumbing

    def log_message(self, format, *args):
        log(f"{self.address_string()} {format % args}")

    def send(self, status, body=b"", content_type=None, headers=()):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, headers=()):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send(status, body, "application/json", (("Cache-Control", "no-store"), *headers))

    def send_text(self, status, text):
        self.send(status, (text + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def read_body(self):
        if self.headers.get("Transfer-Encoding"):
            raise Refusal(411, "invalid_request", "send Content-Length, not Transfer-Encoding")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise Refusal(400, "invalid_request", "bad Content-Length")
        if length < 0 or length > MAX_BODY:
            raise Refusal(413, "invalid_request", "body too large")
        return self.rfile.read(length)

    def route(self):
        return urllib.parse.urlsplit(self.path)

    # ------------------------------------------------------------------ methods

    def do_GET(self):
        url = self.route()
        p = self.provider
        if url.path == "/.well-known/openid-configuration":
            self.send_json(200, p.discovery())
        elif url.path == "/.well-known/jwks.json":
            self.send_json(200, p.jwks())
        elif url.path == "/auth":
            self.authorize(url.query)
        elif url.path == "/control/last-token-request":
            with p.lock:
                last = p.last_token_request
            self.send_json(200, last if last is not None else {"form": None, "basic_client_id": None})
        else:
            self.send_json(404, {"error": "not_found"})

    def do_POST(self):
        url = self.route()
        try:
            body = self.read_body()
        except Refusal as r:
            self.send_json(r.status, {"error": r.error, "error_description": r.description},
                           (("Connection", "close"),))
            self.close_connection = True
            return
        if url.path == "/token":
            self.token(body)
        elif url.path == "/control":
            self.control(body)
        else:
            self.send_json(404, {"error": "not_found"})

    # ------------------------------------------------------------------ /auth

    def authorize(self, query):
        p = self.provider
        try:
            params = urllib.parse.parse_qs(query, keep_blank_values=True)
        except ValueError:
            return self.send_text(400, "malformed query string")
        repeated = sorted(name for name, values in params.items() if len(values) > 1)
        if repeated:
            return self.send_text(400, f"parameters given more than once: {', '.join(repeated)}")
        q = {name: values[0] for name, values in params.items()}

        # Errors about the client or redirect_uri must not redirect (RFC 6749 4.1.2.1).
        if q.get("client_id") != p.client_id:
            return self.send_text(400, f"unknown client_id {q.get('client_id')!r}")
        redirect_uri = q.get("redirect_uri", "")
        target = urllib.parse.urlsplit(redirect_uri)
        if target.scheme not in ("http", "https") or not target.netloc or "#" in redirect_uri:
            return self.send_text(400, f"redirect_uri must be an absolute http(s) URL without a fragment: {redirect_uri!r}")
        if q.get("response_type") != "code":
            return self.send_text(400, f"response_type must be 'code', not {q.get('response_type')!r}")
        if q.get("code_challenge_method") != "S256":
            return self.send_text(400, f"code_challenge_method must be 'S256', not {q.get('code_challenge_method')!r}")
        for name in ("state", "nonce", "code_challenge"):
            if not q.get(name):
                return self.send_text(400, f"{name} is missing")
        if not S256_CHALLENGE.fullmatch(q["code_challenge"]):
            return self.send_text(400, "code_challenge is not a base64url SHA-256 (43 characters)")
        if "openid" not in q.get("scope", "").split(" "):
            return self.send_text(400, f"scope must include openid: {q.get('scope')!r}")

        code = secrets.token_urlsafe(32)
        with p.lock:
            p.codes[code] = {
                "redirect_uri": redirect_uri,
                "nonce": q["nonce"],
                "code_challenge": q["code_challenge"],
                "user": dict(p.user),
                "defect": p.defect,
                "expires": time.monotonic() + CODE_LIFETIME,
            }
        separator = "&" if target.query else ("" if redirect_uri.endswith("?") else "?")
        location = redirect_uri + separator + urllib.parse.urlencode({"code": code, "state": q["state"]})
        self.send(302, b"", headers=(("Location", location), ("Cache-Control", "no-store")))

    # ------------------------------------------------------------------ /token

    def token(self, body):
        p = self.provider
        try:
            form, basic = self.token_request(body)
            self.authenticate_client(form, basic)
            grant = self.redeem(form)
        except Refusal as r:
            log(f"/token refused: {r.error}: {r.description}")
            headers = (("WWW-Authenticate", 'Basic realm="token"'),) if r.status == 401 else ()
            return self.send_json(r.status, {"error": r.error, "error_description": r.description},
                                  (("Pragma", "no-cache"), *headers))
        self.send_json(200, {
            "access_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": p.id_token(grant),
        }, (("Pragma", "no-cache"),))

    def token_request(self, body):
        """The form and the Basic credentials ((id, secret) or None); records the form and the Basic
        client id for /control/last-token-request."""
        p = self.provider
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        basic_id, basic_secret, basic_error = None, None, None
        authorization = self.headers.get("Authorization")
        if authorization:
            scheme, _, credentials = authorization.partition(" ")
            try:
                if scheme.lower() != "basic":
                    raise ValueError(f"scheme {scheme!r}")
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
                raw_id, colon, raw_secret = decoded.partition(":")
                if not colon:
                    raise ValueError("no colon")
                basic_id = urllib.parse.unquote_plus(raw_id)
                basic_secret = urllib.parse.unquote_plus(raw_secret)
            except ValueError as e:  # binascii.Error and UnicodeDecodeError are ValueErrors
                basic_error = f"unreadable Authorization header ({e})"
        try:
            params = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            params = None
        form = {name: values[0] for name, values in (params or {}).items()}
        with p.lock:
            p.last_token_request = {"form": form, "basic_client_id": basic_id}

        if content_type != "application/x-www-form-urlencoded":
            raise Refusal(400, "invalid_request", f"Content-Type must be application/x-www-form-urlencoded, not {content_type!r}")
        if params is None:
            raise Refusal(400, "invalid_request", "the body is not a URL-encoded form")
        repeated = sorted(name for name, values in params.items() if len(values) > 1)
        if repeated:
            raise Refusal(400, "invalid_request", f"parameters given more than once: {', '.join(repeated)}")
        if basic_error:
            raise Refusal(401, "invalid_client", basic_error)
        return form, (basic_id, basic_secret) if basic_id is not None else None

    def authenticate_client(self, form, basic):
        p = self.provider
        if basic is not None:
            basic_id, basic_secret = basic
            if "client_secret" in form:
                raise Refusal(400, "invalid_request", "the client used both client_secret_basic and client_secret_post")
            if "client_id" in form and form["client_id"] != basic_id:
                raise Refusal(401, "invalid_client", "client_id in the form differs from the Basic credentials")
            client_id, client_secret = basic_id, basic_secret
        else:
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if client_id is None or client_secret is None:
            raise Refusal(401, "invalid_client", "no client authentication")
        same_id = hmac.compare_digest(client_id.encode("utf-8"), p.client_id.encode("utf-8"))
        same_secret = hmac.compare_digest(client_secret.encode("utf-8"), p.client_secret.encode("utf-8"))
        if not (same_id and same_secret):
            raise Refusal(401, "invalid_client", "wrong client_id or client_secret")

    def redeem(self, form):
        p = self.provider
        if form.get("grant_type") != "authorization_code":
            raise Refusal(400, "unsupported_grant_type", f"grant_type {form.get('grant_type')!r}")
        code = form.get("code")
        if not code:
            raise Refusal(400, "invalid_request", "code is missing")
        with p.lock:
            grant = p.codes.pop(code, None)  # single use: a failed attempt spends it too
        if grant is None:
            raise Refusal(400, "invalid_grant", "unknown or already used code")
        if time.monotonic() > grant["expires"]:
            raise Refusal(400, "invalid_grant", "the code has expired")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            raise Refusal(400, "invalid_grant", f"redirect_uri {form.get('redirect_uri')!r} differs from the one in /auth")
        verifier = form.get("code_verifier", "")
        if not VERIFIER.fullmatch(verifier):
            raise Refusal(400, "invalid_grant", "code_verifier is missing or not 43-128 unreserved characters")
        computed = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
        if not hmac.compare_digest(computed, grant["code_challenge"]):
            raise Refusal(400, "invalid_grant", "code_verifier does not match code_challenge")
        return grant

    # ------------------------------------------------------------------ /control

    def control(self, body):
        p = self.provider
        try:
            request = json.loads(body.decode("utf-8"))
            if not isinstance(request, dict):
                raise ValueError("not an object")
            defect = request.get("defect", "none")
            if defect not in DEFECTS:
                raise ValueError(f"defect must be one of {', '.join(DEFECTS)}")
            user = request.get("user")
            if user is not None:
                if not isinstance(user, dict):
                    raise ValueError("user must be an object")
                if not isinstance(user.get("id"), int) or isinstance(user.get("id"), bool):
                    raise ValueError("user.id must be an integer")
                for name in ("name", "preferred_username"):
                    if not isinstance(user.get(name), str):
                        raise ValueError(f"user.{name} must be a string")
                if "picture" in user and user["picture"] is not None and not isinstance(user["picture"], str):
                    raise ValueError("user.picture must be a string")
        except (UnicodeDecodeError, ValueError) as e:  # json.JSONDecodeError is a ValueError
            return self.send_text(400, f"bad /control request: {e}")
        with p.lock:
            if user is not None:
                p.user = {k: user[k] for k in ("id", "name", "preferred_username", "picture") if user.get(k) is not None}
            p.defect = defect
        log(f"control: user {p.user['id']}, defect {defect}")
        self.send(204)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--dir", required=True, help="directory for the ready file")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    args = parser.parse_args()
    # The Swift test runner spawns us from a thread that blocks SIGTERM, and a child inherits
    # that mask: unblocked here, or the runner's terminate() never stops us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

    directory = os.path.abspath(args.dir)
    os.makedirs(directory, exist_ok=True)
    try:
        os.remove(os.path.join(directory, "ready"))
    except FileNotFoundError:
        pass

    provider = Provider(args.client_id, args.client_secret)
    Handler.provider = provider
    server = Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    provider.issuer = f"http://127.0.0.1:{port}"

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    write_atomically(os.path.join(directory, "ready"), str(port).encode())
    log(f"ready: issuer {provider.issuer}, kid {provider.kid}, client {args.client_id}")

    parent = os.getppid()
    while not stop.wait(0.5):
        if os.getppid() != parent:  # the test process died without stopping us
            break
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
