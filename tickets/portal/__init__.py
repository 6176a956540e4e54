"""The customer portal at /portal/: sign-in (password, one-time email link, reset, optional
sign-up), the customer's tickets, opening a ticket, the public conversation, replies and files."""
