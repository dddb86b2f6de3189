"""Reads a MIME message on stdin with Python's email package (an independent parser) and
prints what a mail client would show: subject, the text body, and each attachment's file
name, content type, size and SHA-256, as JSON."""
import email
import email.policy
import hashlib
import json
import sys

message = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
body = message.get_body(preferencelist=("plain",))
attachments = [
    {
        "filename": part.get_filename(),
        "type": part.get_content_type(),
        "size": len(part.get_payload(decode=True)),
        "sha256": hashlib.sha256(part.get_payload(decode=True)).hexdigest(),
        "maxLine": max(len(line) for line in part.get_payload(decode=False).splitlines()),
    }
    for part in message.iter_attachments()
]
print(json.dumps({
    "subject": str(message["subject"]),
    "text": body.get_content() if body else None,
    "attachments": attachments,
    "defects": [str(defect) for defect in message.defects],
}))
