"""The young person's profile and key contacts, corrected after referral (PRODUCT.md C4)."""
