"""`codefix view`: a run inspector in the browser.

Python extracts what a run stored into plain JSON-ready dicts (artefacts.py, run_data.py,
instance_data.py and the pure pieces they use); page.py embeds that data, escaped, into one
self-contained HTML page built from the hand-written template, CSS and JS in `assets/`;
server.py serves the same page with live data on 127.0.0.1. Every reader tolerates missing and
unknown keys and damaged files: what cannot be read is named in the page, never a crash.
"""
