"""FAQ topics and curated answers per language and municipality, with their review state."""
