"""Care that notices trends: the triggers over the weeks, the care job, and what care shares with the digest."""
