"""The HTML page around an SVG picture: escaping, style, and the size cap."""

from __future__ import annotations

from html import escape

STYLE = """
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 16px; margin: 0 0 4px; }
p.note { color: #555; margin: 2px 0; }
svg text { font: 11px monospace; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: middle;
          margin-right: 4px; border: 1px solid #444; }
pre#state { background: #f6f6f6; padding: 8px; white-space: pre-wrap; max-width: 100%; }
"""


def attr(value: object) -> str:
    return escape(str(value), quote=True)


def page(title: str, notes: list[str], body: str, script: str = "") -> str:
    lines = "".join(f'<p class="note">{escape(n)}</p>\n' for n in notes)
    code = f"<script>{script}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><h1>{escape(title)}</h1>\n{lines}{body}\n{code}</body></html>\n"
    )
