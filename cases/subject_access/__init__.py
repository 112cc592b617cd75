"""Subject access requests: a complete export of one young person's record (PRODUCT.md X6)."""
