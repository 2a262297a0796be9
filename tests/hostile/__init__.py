"""Hostile-input corpus for the reliability tests (generated at test time, never committed)."""
