"""Background jobs: the outbox that never loses a job, and the bounded Redis connection it
sends through."""
