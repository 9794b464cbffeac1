"""codefix: repair GitHub issues by scaling test-time compute.

The kernel package: types, protocols, errors, config, the run store, the CLI and the
stages that wire the other packages together. Nothing heavy is imported here.
"""

__version__ = "0.1.0"
