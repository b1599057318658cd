"""Four-eyes approvals: guarded actions need a second member of staff with the supervisor role."""
