"""Scorers for standardised measures. Each measure definition names its scorer."""
