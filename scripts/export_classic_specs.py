"""Write codefix/core/classic_specs.json from swebench 4.1 (run once, in an environment with swebench 4.1).

swebench 5 no longer ships the per-repository, per-version specs the classic SWE-bench records
(Verified, Lite, full) need for their eval scripts: each v5 record carries its own. codefix keeps
the few values its classic eval scripts are made of, for the Python repositories: the test
command, the install command and the extra eval commands of each version, and the log parser's
name of each repository. Usage: `python scripts/export_classic_specs.py` from the repository root.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "codefix" / "core" / "classic_specs.json"
KEPT = ("test_cmd", "install", "eval_commands")


def main() -> None:
    import swebench
    from swebench.harness.constants import MAP_REPO_TO_EXT, MAP_REPO_VERSION_TO_SPECS
    from swebench.harness.log_parsers import MAP_REPO_TO_PARSER

    if not swebench.__version__.startswith("4.1"):
        raise SystemExit(f"needs swebench 4.1 (this is {swebench.__version__})")
    repos = {}
    for repo, by_version in sorted(MAP_REPO_VERSION_TO_SPECS.items()):
        if MAP_REPO_TO_EXT.get(repo) != "py" or repo not in MAP_REPO_TO_PARSER:
            continue
        versions = {v: {k: spec[k] for k in KEPT if k in spec} for v, spec in by_version.items()}
        repos[repo] = {"log_parser": MAP_REPO_TO_PARSER[repo].__name__, "versions": versions}
    document = {"source": f"swebench {swebench.__version__}", "repos": repos}
    OUT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(repos)} repositories, {sum(len(r['versions']) for r in repos.values())} versions")


if __name__ == "__main__":
    main()
