"""Retention and anonymisation of young people's records (docs/programme.md X6)."""
