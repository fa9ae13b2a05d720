"""Sending: apprise and its e-mail body, why a send failed, systemd's notify protocol, and log lines that keep secrets out."""
