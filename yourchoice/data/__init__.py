"""Reading and checking data: the replica router, backups, domain errors, the rules for
dates, and fetch-or-404."""
