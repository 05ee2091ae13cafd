"""Running the platform: the process supervisor, the periodic-job scheduler and its registry,
worker heartbeats, /health/ and /metrics (docs/operations.md, docs/decisions/0003)."""
