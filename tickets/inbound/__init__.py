"""Inbound email that opens tickets and adds customer replies: services.py (threading a message to
its ticket, creating the reply or the ticket), receivers.py (django-anymail's inbound webhook).
Generic MIME helpers live in notifications/mime.py."""
