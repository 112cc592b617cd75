"""Pseudonymised evaluation extracts (O6)."""
