"""`codefix view RUN_DIR`: a run inspector in the browser — one self-contained `view.html`, a
one-instance export, or the live view served on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import click


def selection_keys():
    """Candidate and test ids as the selection stage computes them, for the patches the view meets
    without a stored id (pools, grades, candidates rows of older runs); the view stays free of the
    selection package."""
    from codefix.view.instance_data import Keys
    from selection.candidate_rows import patch_id
    from selection.normalize import normalized_or_text
    from selection.voting import script_id

    return Keys(candidate=patch_id, script=script_id, normalize=normalized_or_text)


def dataset_issues(dataset: str | None) -> dict[str, str]:
    if not dataset:
        return {}
    from codefix.core.datasets import load_dataset

    return {inst.instance_id: inst.problem_statement for inst in load_dataset(dataset)}


@click.command("view")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--serve", is_flag=True, help="Serve the view on 127.0.0.1 with live refresh (instance pages loaded on demand).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port for --serve (0: any free port).")
@click.option("--instance", "only", default=None, help="Export this instance alone to RUN_DIR/view-<instance>.html (larger text limit).")
@click.option("--max-size", "max_mb", type=click.FloatRange(1, 1000), default=16.0, show_default=True,
              help="Size cap of view.html in MB: instance pages beyond it are left out (the run page is always whole).")
@click.option("--text-limit", type=click.IntRange(200, 10_000_000), default=None,
              help="Characters of one output, reply or patch kept (default 3000 in view.html, 40000 served or exported).")
@click.option("--dataset", "-d", default=None, help="The run's dataset, to show each issue as written (else as the model was shown it).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the HTML here instead.")
def command(run_dir: Path, serve: bool, port: int, only: str | None, max_mb: float, text_limit: int | None,
            dataset: str | None, out: Path | None) -> None:
    """Write RUN_DIR/view.html: the run page (funnel, costs, outcomes, instances) and each instance's
    page (issue, context, pair timelines, candidates, voting matrix, selection, evaluation), data
    embedded, no network needed. Damaged or missing artefacts are named in the page."""
    from codefix.core.errors import InputError
    from codefix.view.page import FILE_LIMIT, SERVED_LIMIT, build_view

    from codefix.view.run_data import not_a_run

    if not run_dir.is_dir():
        raise InputError(f"run directory not found: {run_dir}")
    problem = not_a_run(run_dir)
    if problem:
        raise InputError(problem)
    keys, issues = selection_keys(), dataset_issues(dataset)
    if serve:
        if only or out:
            raise InputError("--serve serves the whole run; leave out --instance and --out")
        return _serve(run_dir, keys, issues, port)
    limit = text_limit or (SERVED_LIMIT if only else FILE_LIMIT)
    stats = build_view(run_dir, keys, out=out, max_bytes=int(max_mb * 1024 * 1024), limit=limit, only=only, issues=issues)
    click.echo(f"wrote {stats.path} ({stats.bytes / 1048576:.1f} MB, {stats.instances} instance(s), "
               f"{len(stats.embedded)} instance page(s) embedded) in {stats.seconds:.1f} s")
    if stats.left_out:
        click.echo(f"{len(stats.left_out)} instance page(s) left out by the {max_mb:g} MB cap; export one with "
                   f"codefix view {run_dir} --instance ID, or use --serve", err=True)


def _serve(run_dir: Path, keys, issues: dict[str, str], port: int) -> None:
    from codefix.core.errors import InputError
    from codefix.view.server import LiveRun, make_server

    try:
        server = make_server(LiveRun(run_dir, keys, issues), port)
    except OSError as exc:
        raise InputError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc} (try --port 0)") from None
    host, bound = server.server_address[:2]
    click.echo(f"serving {run_dir} at http://{host}:{bound}/ (live; Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
