"""Outcome reports: indicators, disclosure control, files and the jobs that make them (O4, O5)."""
