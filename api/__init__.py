"""The FastAPI app: the only public process (pages, channels, NLG and internal endpoints)."""
