"""What a coach's phone keeps for working without signal (S6, docs/offline.md)."""
