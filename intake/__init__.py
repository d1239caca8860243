"""Screening, consent, triage rules and pre-intake records handed to the case system."""
