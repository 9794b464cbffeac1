"""The kernel, codefix's ground floor: protocols, errors, instances and datasets, the run store and its layout, the ledger, redaction. It imports nothing above it."""
