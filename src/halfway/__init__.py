"""halfway: do your half, gently — and see, over the weeks, what comes back."""

__version__ = "0.1.0"
