"""Retention and anonymisation of young people's records (PRODUCT.md X6)."""
