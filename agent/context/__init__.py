"""The context stage: read every source file, rank the relevant ones, pack them into a budget."""
