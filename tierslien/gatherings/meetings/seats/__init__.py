"""A themed meeting's seats: applications, quotas, the seed, the draw, the waitlist."""
