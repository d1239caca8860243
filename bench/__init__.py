"""Measurements (`make bench`): numbers printed, never asserted in tests."""
