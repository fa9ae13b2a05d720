"""Feeds a phone subscribes to: the calendar of planned talks and weekly reviews."""
