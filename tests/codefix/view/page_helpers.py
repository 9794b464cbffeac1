"""Opening the view in the test browser and reading what it shows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.codefix.view.real_runs import ENV, ROOT


def build(run: Path, *args) -> Path:
    """`codefix view RUN [args]` through the real command line; the written page."""
    proc = subprocess.run([sys.executable, "-m", "codefix", "view", str(run), *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return Path(proc.stdout.split("wrote ", 1)[1].split(" (", 1)[0])


def open_run(browser, url: str) -> None:
    browser.open(url)
    browser.wait_for("document.body.dataset.ready === 'run'")


def open_instance(browser, instance_id: str) -> None:
    browser.eval(f"location.hash = '#/i/' + encodeURIComponent({json.dumps(instance_id)})")
    browser.wait_for(f"document.body.dataset.ready === 'instance' && document.body.dataset.instance === {json.dumps(instance_id)}")


def page_problem(browser) -> str | None:
    """The text of a 'could not be drawn' failure, if the page shows one."""
    return browser.eval("(() => { const p = [...document.querySelectorAll('.problems')]"
                        ".find(e => e.textContent.includes('could not be drawn')); return p ? p.textContent : null; })()")


def js(browser, body: str):
    """Evaluate a function body (with `return`) in the page."""
    return browser.eval(f"(() => {{ {body} }})()")


def open_details(browser, selector: str) -> None:
    """Open every <details> matching `selector` (built lazily on toggle) and wait for their content."""
    js(browser, f"document.querySelectorAll({json.dumps(selector)}).forEach(d => {{ d.open = true; }}); return 1;")
    browser.wait_for(f"[...document.querySelectorAll({json.dumps(selector)})].every(d => d.children.length > 1)")
