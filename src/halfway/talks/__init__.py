"""Planned talks: the talk record and its chain of steps, the WHEN a person types, and the talks over the store."""
