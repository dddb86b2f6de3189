#!/usr/bin/env bash
# Creates or updates <repo>/.venv for the browser tests (pytest + Playwright + cryptography).
# Does nothing when .venv is there and e2e/requirements.txt has not changed since the last
# install (hash stamp in .venv/.requirements.sha256).
# Never runs `playwright install`: the tests use Debian's /usr/bin/chromium.
# CROUPIER_PYTHON overrides the interpreter used to create the venv (default: python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VENV="$ROOT/.venv"
REQ="$ROOT/e2e/requirements.txt"
STAMP="$VENV/.requirements.sha256"
PY="${CROUPIER_PYTHON:-python3}"

[ -f "$REQ" ] || { echo "error: $REQ not found" >&2; exit 1; }
command -v "$PY" >/dev/null 2>&1 || { echo "error: $PY not found" >&2; exit 1; }

want="$( { sha256sum "$REQ" | cut -d' ' -f1; "$PY" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

# A venv whose interpreter is gone (e.g. the base Python moved) is rebuilt from scratch.
if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "e2e-venv: $VENV is broken; recreating"
    rm -rf "$VENV"
fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "e2e-venv: creating $VENV with $("$PY" --version 2>&1)"
    "$PY" -m venv "$VENV"
fi

echo "e2e-venv: installing $(grep -Ev '^\s*(#|$)' "$REQ" | tr '\n' ' ')"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
# Fail now, not in the middle of a test run, if an import is broken.
"$VENV/bin/python" -c 'import pytest, cryptography, schemathesis, nats, openpyxl, stripe; from opentelemetry.proto.collector.trace.v1 import trace_service_pb2; from playwright.sync_api import sync_playwright'
echo "$want" >"$STAMP"
echo "e2e-venv: ready ($VENV)"
