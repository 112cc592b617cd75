"""The young person's profile and key contacts, corrected after referral (docs/programme.md C4)."""
