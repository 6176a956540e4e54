"""Live updates and presence on the ticket page: short polling answered with 304 (see README)."""
