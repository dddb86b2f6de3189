"""Signs a webhook body the way Stripe does, for StripeSignatureTests (independent of the Swift
code under test): reads {"secrets": [...], "timestamp": N, "body": "..."} on stdin and prints the
Stripe-Signature header, one v1 per secret (hex HMAC-SHA256 of "<t>.<body>"), plus a v0."""
import hashlib
import hmac
import json
import sys

request = json.load(sys.stdin)
t = request["timestamp"]
signed = f"{t}.{request['body']}".encode()
parts = [f"t={t}"]
parts += [f"v1={hmac.new(s.encode(), signed, hashlib.sha256).hexdigest()}" for s in request["secrets"]]
parts.append("v0=" + "0" * 64)
print(",".join(parts), end="")
