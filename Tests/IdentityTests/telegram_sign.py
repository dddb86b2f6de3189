"""Signs Telegram Login Widget and Mini App data the way Telegram does, independently of the
Swift code under test (hashlib/hmac and the `cryptography` package). Reads a JSON request on
stdin, writes JSON on stdout."""
import base64
import hashlib
import hmac
import json
import sys
import urllib.parse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def check_string(fields, excluded):
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k not in excluded)


def widget(bot_token, fields):
    secret = hashlib.sha256(bot_token.encode()).digest()
    signed = dict(fields)
    signed["hash"] = hmac.new(secret, check_string(fields, {"hash"}).encode(), hashlib.sha256).hexdigest()
    return signed


def init_data(bot_token, fields, signing_key):
    fields = dict(fields)
    bot_id = bot_token.split(":")[0]
    if signing_key is not None:
        message = f"{bot_id}:WebAppData\n" + check_string(fields, {"hash", "signature"})
        fields["signature"] = base64.urlsafe_b64encode(signing_key.sign(message.encode())).decode().rstrip("=")
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check_string(fields, {"hash", "signature"}).encode(), hashlib.sha256).hexdigest()
    return urllib.parse.urlencode(fields)


request = json.load(sys.stdin)
key = Ed25519PrivateKey.generate()
public_hex = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
other = Ed25519PrivateKey.generate()
out = {"publicKey": public_hex}
if request["kind"] == "widget":
    out["fields"] = widget(request["botToken"], request["fields"])
else:
    out["initData"] = init_data(request["botToken"], request["fields"], key)
    out["initDataWrongSigner"] = init_data(request["botToken"], request["fields"], other)
json.dump(out, sys.stdout)
