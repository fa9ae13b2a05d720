"""The words a person reads: each kind's title, text variants and choices (words.toml), the discreet words and the frame around every page, and the templates they are set in."""
