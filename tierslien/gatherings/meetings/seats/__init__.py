"""Seats of a themed meeting: applying, quotas, the seed and the draw, the waitlist, emails."""
