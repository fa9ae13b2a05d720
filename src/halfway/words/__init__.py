"""The words a person reads: each kind's title, text variants and choices (words.toml), and the discreet words and the frame around every page."""
