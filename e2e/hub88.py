"""Hub88's side of the seamless wallet, for the tests: RSA keys, request signatures, and a client
that calls a wallet the way Hub88 does.

Hub88 and an operator each sign the bodies they send with their own RSA private key: the
signature is RSA-SHA256 with PKCS#1 v1.5 padding over the exact body bytes, base64-encoded in the
X-Hub88-Signature header, and the receiver verifies it with the sender's public key before it
reads the body. Everything here is implemented with `cryptography` alone, independently of the
server's code.

Amounts in the wallet API are integers: the currency's amount times 100000 (units()).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNATURE_HEADER = "X-Hub88-Signature"
UNITS_PER_CURRENCY_UNIT = 100_000

WALLET_ENDPOINTS = ("user/info", "user/balance", "transaction/bet", "transaction/win", "transaction/rollback")


# ---------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class KeyPair:
    """An RSA key pair and its PEM files: the private key as PKCS#8 and as PKCS#1, the public
    key as SubjectPublicKeyInfo."""

    name: str
    private_key: rsa.RSAPrivateKey
    private_pem: Path        # -----BEGIN PRIVATE KEY----- (PKCS#8)
    private_pkcs1_pem: Path  # -----BEGIN RSA PRIVATE KEY----- (PKCS#1)
    public_pem: Path         # -----BEGIN PUBLIC KEY----- (SubjectPublicKeyInfo)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def generate_key_pair(directory: Path, name: str, bits: int = 2048) -> KeyPair:
    """A new RSA key pair written to directory/<name>.key.pem (PKCS#8), <name>.pkcs1.pem and
    <name>.pub.pem."""
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = directory / f"{name}.key.pem"
    private_pkcs1_pem = directory / f"{name}.pkcs1.pem"
    public_pem = directory / f"{name}.pub.pem"
    private_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    private_pkcs1_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                                    serialization.NoEncryption()))
    public_pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    for path in (private_pem, private_pkcs1_pem):
        path.chmod(0o600)
    return KeyPair(name=name, private_key=key, private_pem=private_pem, private_pkcs1_pem=private_pkcs1_pem,
                   public_pem=public_pem)


def public_key_der(public_key: rsa.RSAPublicKey) -> bytes:
    """The DER SubjectPublicKeyInfo of `public_key`."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public_key: rsa.RSAPublicKey) -> str:
    """"SHA256:" and the first 16 bytes of SHA-256 over the DER SubjectPublicKeyInfo, as aa:bb:…"""
    digest = hashlib.sha256(public_key_der(public_key)).digest()
    return "SHA256:" + ":".join(f"{b:02x}" for b in digest[:16])


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, rsa.RSAPublicKey), f"not an RSA public key: {type(key).__name__}"
    return key


# ---------------------------------------------------------------------------- signatures


def sign(body: bytes, private_key: rsa.RSAPrivateKey) -> str:
    """base64(RSA-SHA256 PKCS#1 v1.5 signature over `body`), the X-Hub88-Signature value."""
    signature = private_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def verify(body: bytes, signature: str | None, public_key: rsa.RSAPublicKey) -> bool:
    """Whether `signature` (an X-Hub88-Signature value, None when the header was missing) is
    `public_key`'s signature over exactly `body`."""
    if not signature:
        return False
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(raw, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


# ---------------------------------------------------------------------------- amounts


def units(amount: str) -> int:
    """Hub88's integer amount for a decimal amount: units("100.00") == 10_000_000."""
    value = Decimal(amount) * UNITS_PER_CURRENCY_UNIT
    assert value == value.to_integral_value(), f"{amount} has more than 5 decimals"
    return int(value)


# ---------------------------------------------------------------------------- the caller

SIGN = object()  # Hub88Caller.call(signature=SIGN): sign the body with the caller's key (the default)


def encode(payload: Any) -> bytes:
    """A body as Hub88 might send it. Python's default separators (", " and ": ") and ASCII escapes:
    a server that re-serialises the JSON before it checks the signature gets other bytes."""
    return json.dumps(payload).encode("utf-8")


class Hub88Caller:
    """Calls the wallet endpoints of one provider on our server (`{base_url}/providers/{code}/…`)
    the way Hub88 does: the payload is serialised to bytes once, and exactly those bytes are signed
    and sent."""

    def __init__(self, base_url: str, provider_code: str, provider_private_key: rsa.RSAPrivateKey,
                 timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.provider_code = provider_code
        self.private_key = provider_private_key
        self.timeout = timeout
        self.last_headers: Any = None  # the headers of the latest answer
        self.last_raw: bytes = b""     # the body of the latest answer, as received

    def url(self, endpoint: str) -> str:
        return f"{self.base_url}/providers/{self.provider_code}/{endpoint.strip('/')}"

    def call(self, endpoint: str, payload: Any, signature: Any = SIGN) -> tuple[int, Any]:
        """POSTs `payload` (a dict, serialised with encode(), or raw bytes sent as they are) to
        `endpoint` ("transaction/bet", …). `signature`: SIGN signs the body with the caller's key,
        None sends no X-Hub88-Signature header, a str is sent as the header's value. Returns
        (HTTP status, decoded JSON answer); an answer that is not JSON fails the test."""
        body = payload if isinstance(payload, (bytes, bytearray)) else encode(payload)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if signature is SIGN:
            headers[SIGNATURE_HEADER] = sign(bytes(body), self.private_key)
        elif signature is not None:
            headers[SIGNATURE_HEADER] = str(signature)
        request = urllib.request.Request(self.url(endpoint), data=bytes(body), method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as r:
                status, raw, self.last_headers = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, raw, self.last_headers = e.code, e.read(), e.headers
        self.last_raw = raw
        try:
            answer = json.loads(raw)
        except ValueError:
            raise AssertionError(f"POST {self.url(endpoint)} -> HTTP {status} with a body that is not JSON "
                                 f"(Content-Type {self.last_headers.get('Content-Type')!r}): {raw[:300]!r}") from None
        return status, answer
