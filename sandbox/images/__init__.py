"""Instance images and the host checkout: acquisition (pull, build, cache level), records of what codefix fetched, and the repository at the base commit on the host."""
