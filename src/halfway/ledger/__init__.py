"""The user's own records: the ask ledger, boundaries and log entries."""
