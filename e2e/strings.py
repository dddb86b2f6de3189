"""The server's own locale files, so tests assert the text people actually see."""
from __future__ import annotations

import json
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "Sources" / "App" / "Resources" / "Locales"
STRINGS = {lang: json.loads((LOCALES_DIR / f"{lang}.json").read_text()) for lang in ("en", "ru")}


def t(lang: str, dotted: str) -> str:
    node: object = STRINGS[lang]
    for part in dotted.split("."):
        assert isinstance(node, dict) and part in node, f"no string {dotted!r} in {lang}.json"
        node = node[part]
    assert isinstance(node, str), f"{dotted!r} in {lang}.json is not a string"
    return node


def lookup(lang: str, dotted: str) -> object | None:
    """The string (or group of strings) at `dotted`, or None where there is none."""
    node: object = STRINGS[lang]
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
