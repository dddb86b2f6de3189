"""Staff accounts for the e2e tests: created with the CLI (`croupier admin create`) against the
croupier_e2e database the server uses, and TOTP codes computed here, independently of the server
(RFC 6238: HMAC-SHA1, 30 s steps, 6 digits). The CLI seals each TOTP secret with a key derived from
CROUPIER_SECRET_KEY, so it must run with the server's key. The server accepts a code once per
account, so a test signs each account in at most once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import subprocess
import time
import urllib.parse
from dataclasses import dataclass

from conftest import REPO_ROOT, croupier_binary

TOTP_STEP = 30
TOTP_LINE = re.compile(r"^TOTP:\s*(otpauth://\S+)\s*$", re.MULTILINE)
CREATED_ID = re.compile(r"#(\d+)")


def totp(secret_base32: str, at: float | None = None) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits) for the step that holds `at` (default: now)."""
    return hotp(secret_base32, int((time.time() if at is None else at) // TOTP_STEP))


def hotp(secret_base32: str, counter: int) -> str:
    """RFC 4226: HMAC-SHA1 over the 8-byte big-endian counter, dynamic truncation, 6 digits."""
    cleaned = secret_base32.strip().replace(" ", "").upper()
    key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))  # the URI leaves out the padding
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@dataclass
class Staff:
    id: int | None
    email: str
    password: str
    role: str
    secret: str  # base32, from the otpauth:// URI

    def code(self) -> str:
        return totp(self.secret)

    def wrong_code(self) -> str:
        """A 6-digit code that no step the server accepts (previous, current, next) produces."""
        now = int(time.time() // TOTP_STEP)
        valid = {hotp(self.secret, now + d) for d in (-2, -1, 0, 1, 2)}
        while True:
            candidate = f"{secrets.randbelow(1_000_000):06d}"
            if candidate not in valid:
                return candidate


class StaffFactory:
    """Creates staff accounts with `croupier admin create`, in the server's environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.binary = croupier_binary()

    def create(self, role: str) -> Staff:
        email = f"{role}-{secrets.token_hex(5)}@casino.example"
        password = "pw-" + secrets.token_urlsafe(18)
        cmd = [str(self.binary), "admin", "create", "--email", email, "--role", role]
        res = subprocess.run(cmd, cwd=REPO_ROOT, env=self.env, input=password + "\n",
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, (f"`croupier admin create --email {email} --role {role}` exited with "
                                     f"{res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}")
        match = TOTP_LINE.search(res.stdout)
        assert match, f"`croupier admin create` printed no 'TOTP: otpauth://…' line:\n{res.stdout}"
        uri = urllib.parse.urlsplit(match.group(1))
        assert uri.scheme == "otpauth" and uri.netloc == "totp", f"not a TOTP enrolment URI: {match.group(1)}"
        query = urllib.parse.parse_qs(uri.query)
        assert query.get("secret"), f"the enrolment URI has no secret: {match.group(1)}"
        assert query.get("digits", ["6"]) == ["6"] and query.get("period", ["30"]) == ["30"] \
            and query.get("algorithm", ["SHA1"]) == ["SHA1"], f"unexpected TOTP parameters: {match.group(1)}"
        assert email in urllib.parse.unquote(uri.path), f"the URI's label does not name {email}: {match.group(1)}"
        created = CREATED_ID.search(res.stdout)
        return Staff(id=int(created.group(1)) if created else None, email=email, password=password,
                     role=role, secret=query["secret"][0])
