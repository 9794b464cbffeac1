"""The reply corpus (tests/agent/test_reply_variants.py) read by the production readers, scored
per stage: correct readings, warranted re-asks, avoidable re-asks, silent wrong readings.

A row of kind `ok` read as its answer is correct; asked again, an avoidable re-ask; read as
anything else, a silent wrong reading. A row of kind `problem` (ambiguous or wrong) asked again
is a warranted re-ask; read as any answer, a silent wrong reading. A row of kind `clear but
asked again` is avoidable when asked again (and silent wrong if read as another answer).
"""

from __future__ import annotations

import collections

OUTCOMES = ("correct", "warranted re-ask", "avoidable re-ask", "silent wrong")


def outcome(read, reply: str, kind: str, expected) -> str:
    """What the reader did with one corpus row (one of OUTCOMES)."""
    from agent.context.relevance import MalformedAnswer
    from agent.reply_parsing import ReplyProblem
    from tests.agent.reply_variants_models import NO, OK

    try:
        got = read(reply)
    except (ReplyProblem, MalformedAnswer):
        return "warranted re-ask" if kind == NO else "avoidable re-ask"
    if kind != NO and got == expected:
        return "correct"
    return "silent wrong"


def corpus_tables() -> dict[str, list[tuple]]:
    """Per stage, (reader, name, reply, kind, expected) for every corpus row."""
    from tests.agent import test_reply_variants as corpus

    def rows(read, table):
        return [(read, *row) for row in table]

    return {
        "relevance": rows(corpus.read_relevance, corpus.RELEVANCE),
        "ranking": rows(corpus.read_ranking, corpus.RANKING),
        "testing": rows(corpus.read_testing, corpus.TESTING)
        + rows(lambda r: corpus.read_testing(r, ran=False), corpus.TESTING_FRESH),
        "editing": rows(corpus.read_editing, corpus.EDITING),
        "selection": rows(corpus.read_selection, corpus.SELECTION)
        + rows(lambda r: corpus.read_selection(r, tested=False), corpus.SELECTION_FRESH),
    }


def score_corpus() -> tuple[dict[str, collections.Counter], list[str]]:
    """(per stage, a count of each outcome; the names of rows not read as the corpus says)."""
    counts: dict[str, collections.Counter] = {}
    misses = []
    for stage, rows in corpus_tables().items():
        counts[stage] = collections.Counter()
        for read, name, reply, kind, expected in rows:
            result = outcome(read, reply, kind, expected)
            counts[stage][result] += 1
            if result in ("avoidable re-ask", "silent wrong"):
                misses.append(f"{stage}: {name}: {result}")
    return counts, misses


def print_corpus_report() -> None:
    counts, misses = score_corpus()
    total = collections.Counter()
    print(f"{'stage':<10} {'replies':>7} " + " ".join(f"{o:>17}" for o in OUTCOMES))
    for stage, c in counts.items():
        total.update(c)
        print(f"{stage:<10} {sum(c.values()):>7} " + " ".join(f"{c[o]:>17}" for o in OUTCOMES))
    n = sum(total.values())
    print(f"{'all':<10} {n:>7} " + " ".join(f"{total[o]:>17}" for o in OUTCOMES))
    print(f"avoidable re-asks {total['avoidable re-ask'] / max(1, n):.1%} (target <= 5%), "
          f"silent wrong readings {total['silent wrong']} (target 0)")
    for miss in misses:
        print(f"  {miss}")
