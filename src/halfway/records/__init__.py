"""The whole record read back: the rows of `history` and the `export` formats."""
