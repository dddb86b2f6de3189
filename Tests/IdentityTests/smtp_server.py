"""A local SMTP server for the Swift integration tests of the mail client (aiosmtpd + cryptography).

    smtp_server.py --port PORT --dir DIR [--mode starttls|implicit|plain]
                   [--user U --password P] [--fail-first N] [--verbose]

On start it makes a fresh self-signed CA and a server certificate for localhost and 127.0.0.1
signed by it, writes the CA to DIR/ca.pem (the certificate the client must trust) and listens
on 127.0.0.1:PORT (PORT 0 picks a free port; DIR/ready then tells which):

  starttls  plain connection offering STARTTLS; everything but EHLO/NOOP/QUIT/STARTTLS (even HELO) is
            refused with 530 before TLS, and AUTH is only offered/accepted after it;
  implicit  TLS from the first byte (SMTPS);
  plain     no TLS at all, AUTH still offered, to test that the client refuses to send
            credentials in clear.

With --user/--password, AUTH PLAIN and LOGIN are offered and required before MAIL (a wrong
password gets 535). Without them no AUTH is offered and mail is accepted unauthenticated.
--fail-first N answers the first N DATA transactions (counted across connections) with
"451 4.3.0 try again later" and keeps nothing of them.

Each accepted message is written to DIR/messages/<n>.json (n = 1, 2, ...; written to a temporary
name and renamed, so a reader never sees half a file):
  {"mail_from": str, "rcpt_tos": [str], "auth_user": str|null, "tls": bool, "data": str}
where data is the raw message (CRLF line endings, dot-stuffing removed) decoded as UTF-8.

When listening it writes DIR/ready (containing the port) and prints "ready" on stdout. It runs
until SIGTERM/SIGINT, or until its parent process goes away, and then exits with status 0.
"""
import argparse
import datetime
import ipaddress
import json
import logging
import os
import signal
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TRY_AGAIN = "451 4.3.0 try again later"


def write_atomically(path, data):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def make_certificates(directory):
    """Writes ca.pem, server.pem and server.key into directory; returns (cert path, key path)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before, not_after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Croupier tests"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Croupier test SMTP CA"),
    ])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
            ]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    cert_path = os.path.join(directory, "server.pem")
    key_path = os.path.join(directory, "server.key")
    write_atomically(key_path, key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    write_atomically(cert_path, cert.public_bytes(pem))
    write_atomically(os.path.join(directory, "ca.pem"), ca_cert.public_bytes(pem))
    return cert_path, key_path


class Handler:
    """aiosmtpd handler: optional AUTH, the --fail-first budget and the message files.

    Every hook runs on the controller's single event-loop thread, so the counters need no lock."""

    def __init__(self, messages_dir, user, password, fail_first):
        self.messages_dir = messages_dir
        self.user = user.encode() if user is not None else None
        self.password = password.encode() if password is not None else None
        self.fail_left = fail_first
        self.count = 0

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if (self.user is not None and isinstance(auth_data, LoginPassword)
                and auth_data.login == self.user and auth_data.password == self.password):
            return AuthResult(success=True, auth_data=auth_data.login.decode("utf-8", "replace"))
        return AuthResult(success=False, handled=False)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # The 5-argument hook replaces aiosmtpd's default EHLO handling, so it records the name.
        session.host_name = hostname
        if self.user is None:
            responses = [r for r in responses if not r[4:].upper().startswith("AUTH")]
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            return TRY_AGAIN
        self.count += 1
        transport = server.transport
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_user": session.auth_data if session.authenticated else None,
            "tls": transport is not None and transport.get_extra_info("ssl_object") is not None,
            "data": envelope.original_content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.messages_dir, f"{self.count}.json")
        write_atomically(path, json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))
        return f"250 2.0.0 OK queued as {self.count}"


class LocalController(Controller):
    """Controller that also works with port 0: it learns the bound port before its self-test
    connection (aiosmtpd connects to self.port to make the server build its protocol)."""

    def _trigger_server(self):
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--dir", required=True, help="working directory for ca.pem, ready and messages/")
    parser.add_argument("--mode", choices=["starttls", "implicit", "plain"], default="starttls")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N",
                        help="answer the first N DATA transactions with 451")
    parser.add_argument("--verbose", action="store_true", help="log the SMTP dialogue on stderr")
    args = parser.parse_args()
    # The Swift test runner spawns us from a thread that blocks SIGTERM, and a child inherits
    # that mask: unblocked here, or the runner's terminate() never stops us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password go together")
    if args.fail_first < 0:
        parser.error("--fail-first must be >= 0")

    # aiosmtpd logs (at WARNING) a deprecation notice on every successful AUTH, and INFO lines per
    # command; keep stderr quiet unless asked, so a parent that never reads it cannot block us.
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.ERROR, stream=sys.stderr,
                        format="smtp_server: %(levelname)s %(message)s")
    warnings.simplefilter("ignore")

    directory = os.path.abspath(args.dir)
    messages_dir = os.path.join(directory, "messages")
    os.makedirs(messages_dir, exist_ok=True)
    # A reused DIR starts afresh: no ready file and no messages from an earlier run.
    stale = [os.path.join(directory, "ready")]
    stale += [os.path.join(messages_dir, name) for name in os.listdir(messages_dir)]
    for path in stale:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass

    cert_path, key_path = make_certificates(directory)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(cert_path, key_path)

    handler = Handler(messages_dir, args.user, args.password, args.fail_first)
    smtp_kwargs = dict(
        server_hostname="localhost",   # aiosmtpd: the banner/EHLO name (not TLS SNI); avoids getfqdn()
        authenticator=handler.authenticate,
        auth_required=args.user is not None,
    )
    if args.mode == "starttls":
        smtp_kwargs.update(tls_context=tls, require_starttls=True, auth_require_tls=True)
    elif args.mode == "implicit":
        # ssl_context on the Controller wraps the listening socket (TLS from the first byte).
        # aiosmtpd's auth_require_tls only recognises STARTTLS, so it would refuse AUTH (538) on an
        # implicit-TLS connection: switch it off, every connection here is TLS anyway.
        smtp_kwargs.update(ssl_context=tls, auth_require_tls=False)
    else:
        smtp_kwargs.update(auth_require_tls=False)

    controller = LocalController(handler, hostname="127.0.0.1", port=args.port, **smtp_kwargs)
    controller.start()
    port = controller.port

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    write_atomically(os.path.join(directory, "ready"), f"{port}\n".encode())
    print("ready", flush=True)

    parent = os.getppid()
    while not stop.wait(0.5):
        if os.getppid() != parent:  # the test process died without stopping us
            break
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
