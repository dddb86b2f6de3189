"""Signs an IPN body the way NOWPayments does, for SortedJSONTests (independent of the Swift code
under test): reads {"secret": "...", "body": "<json text>"} on stdin and prints
{"sorted": <the body with every object's keys sorted, no whitespace>, "signature": <hex
HMAC-SHA512 of that>}."""
import hashlib
import hmac
import json
import sys

request = json.load(sys.stdin)
ordered = json.dumps(json.loads(request["body"]), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print(json.dumps({"sorted": ordered,
                  "signature": hmac.new(request["secret"].encode(), ordered.encode(), hashlib.sha512).hexdigest()}))
