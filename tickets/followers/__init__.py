"""Ticket followers: people copied on a ticket's public conversation (customers of the ticket's
organisation, allowed external addresses, and agents). models.py holds the rows, services.py the writes."""
