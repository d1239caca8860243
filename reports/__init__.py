"""Key figures for the coordination office and the steering group: aggregates only, read-only."""
