"""The weekly digest: its figures, its words and pages, the weekly job that sends it, and the private page."""
