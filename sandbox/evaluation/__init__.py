"""SWE-bench specs and grading: the evaluation script of an instance, running it on a patch, and reading its log."""
