"""Ticket followers: people copied on a ticket's public conversation (customers of the ticket's
organisation, allowed external addresses, and agents). tickets/models/followers.py holds
the rows, services.py the writes, admin.py the agents' UI."""
