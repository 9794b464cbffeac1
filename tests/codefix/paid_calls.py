"""`python -m tests.codefix.paid_calls <codefix args>`: codefix, with every call the gold test-double
provider serves appended (and fsynced) to $CODEFIX_TEST_PAID_LOG as it is served, before the reply
goes back to codefix: the ground truth of what a real provider would have billed, which a SIGKILL
of codefix cannot take back."""

from __future__ import annotations

import json
import os
import sys


def install() -> None:
    from agent.models.pricing import call_cost
    from agent.models.test_doubles import providers
    from agent.models.test_doubles.gold import GOLD_MODEL
    from codefix.core.protocols import Usage

    original = providers.fill_response
    log = os.environ["CODEFIX_TEST_PAID_LOG"]

    def served(model_response, model, messages, text):
        response = original(model_response, model, messages, text)
        usage = Usage(input_tokens=response.usage.prompt_tokens, output_tokens=response.usage.completion_tokens)
        entry = {"cost": call_cost(GOLD_MODEL, usage), "tokens": [usage.input_tokens, usage.output_tokens]}
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(entry) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return response

    providers.fill_response = served


if __name__ == "__main__":
    install()
    from codefix.cli import main

    sys.exit(main(sys.argv[1:]))
