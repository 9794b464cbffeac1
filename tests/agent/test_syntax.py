from agent.syntax import syntax_errors


def python_syntax_errors(source: str):
    """The errors of `source` read as a Python file, the way the edit gate reads one."""
    return syntax_errors("module.py", source)


def test_clean_source_has_no_errors():
    assert python_syntax_errors("def f(x):\n    return x + 1\n") == []


def test_error_has_line_and_column():
    problems = python_syntax_errors("a = 1\ndef f(:\n    pass\n")
    assert problems and problems[0].line == 2
    assert problems[0].describe("m.py").startswith("m.py:2:")


def test_unclosed_bracket_is_reported():
    assert python_syntax_errors("x = foo(1,\n")
