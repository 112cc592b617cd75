"""Who viewed and who changed a young person's record, for the borough lead (PRODUCT.md X2)."""
