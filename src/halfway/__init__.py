"""halfway: do your half, gently — and see, week by week, whether anyone meets you halfway."""

__version__ = "0.1.0"
