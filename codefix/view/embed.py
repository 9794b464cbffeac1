"""Embedding data and assets into the page without letting them break out of it.

Data goes into `<script type="application/json">` blocks as JSON in which every `<`, `>` and `&`
(and the two JavaScript line separators) is written as a `\\uXXXX` escape, or as gzip+base64
(instance pages): a model reply holding `</script>` or `<!--` stays inert text, and the page's JS
renders it with `textContent` only.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources

from codefix.core.redaction import redact

ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
SCRIPTS = ("dom.js", "diff.js", "charts.js", "run_page.js", "table.js", "timeline.js", "heatmap.js",
           "instance_page.js", "app.js")
"""The page's JS files, in load order (each defines what later ones use)."""


def json_for_script(data) -> str:
    """`data` as JSON safe to place between `<script type="application/json">` tags, host
    secrets redacted (before the escapes, which would hide a secret's `<` or `&` from redaction)."""
    text = redact(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str))
    for char, escape in ESCAPES.items():
        text = text.replace(char, escape)
    return text


def data_block(element_id: str, data) -> str:
    return f'<script type="application/json" id="{html.escape(element_id, quote=True)}">{json_for_script(data)}</script>'


def packed_block(element_id: str, data) -> str:
    """`data` as gzip-compressed JSON in base64 (the page inflates it with the browser's
    DecompressionStream when the instance page is opened): instance pages are 10-20x smaller this
    way, so more of them fit under the size cap and the browser has less to parse before painting.
    Base64 holds no `<`, `>` or `&`, so the block cannot break out of its tag. Host secrets are
    redacted before compressing (no redaction of the written file can see inside)."""
    import base64
    import gzip

    raw = redact(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)).encode("utf-8")
    text = base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")
    return (f'<script type="application/octet-stream" data-encoding="gzip+base64" '
            f'id="{html.escape(element_id, quote=True)}">{text}</script>')


def asset(name: str) -> str:
    return resources.files("codefix.view").joinpath("assets", name).read_text(encoding="utf-8")


def page_html(title: str, blocks: list[str], later: list[str] = ()) -> str:
    """The whole page: the template with the CSS, the JS (inline) and the data blocks; `later`
    blocks (instance pages) come after the script, so the run page is drawn before they are parsed."""
    script = "\n".join(f"// ---- {name}\n{asset(name)}" for name in SCRIPTS)
    css = asset("view.css")
    for name, text in (("view.css", css), ("scripts", script)):
        if "</script" in text.lower() or "</style" in text.lower():
            raise ValueError(f"{name} must not contain a closing script or style tag")
    parts = {"TITLE": html.escape(title), "CSS": css, "DATA": "\n".join(blocks), "JS": script,
             "INSTANCES": "\n".join(later)}
    # one pass over the template only: a placeholder-like text inside the data is never replaced
    return re.sub(r"\{\{(TITLE|CSS|DATA|JS|INSTANCES)\}\}", lambda m: parts[m.group(1)], asset("view.html"))
