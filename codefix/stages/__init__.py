"""The composition root's stage runners: each wires concrete sandboxes and models into one
stage for a set of instances and stores its artefacts. Only this package and
`codefix/cli/commands/` may import `agent`, `sandbox` and `selection`."""
