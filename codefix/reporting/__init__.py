"""Reporting: reads what a run stored under `runs/<run>/` and summarises it (`codefix report`).

- `collect`: the run's artefacts gathered into one JSON-ready report (funnel, costs, failures,
  coverage vs samples); `iterations` and `steps`: coverage vs editing-call caps from the stored
  trajectories; `grade_candidates`: grades the candidates a run never graded (Docker);
  `run_report`: the report printed as tables and stored as `report.json`; `plots`: PNG charts.

A floor of its own above agent, sandbox and selection (it re-reads trajectories, normalizes
patches and grades in a sandbox); the stage runners never import it, the CLI and the viewer do.
"""
