"""The running daemon: the planner that records fires, the outbox that sends them, alerts, pauses, the units of a pass, and the HTTP side."""
