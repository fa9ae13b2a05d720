"""Pure rules and record types: instants and weeks, schedules and cursors, deliveries, reminders, unsent fires, the built-in kinds, reply tokens. No I/O, no store, no config loader."""
