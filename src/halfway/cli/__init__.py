"""The `halfway` command: the parser and exit codes (`main`), and one module per command family."""
