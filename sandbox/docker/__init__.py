"""The Docker backend: hardened containers, their start state and reset, exec, patching, ownership labels and clean-up."""
