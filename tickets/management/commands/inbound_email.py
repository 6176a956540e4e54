"""`manage.py inbound_email [FILE ...]`: feed RFC 822 messages (files, or stdin) to inbound email
processing. Point your MTA's pipe transport (or a maildir loop) at it."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from tickets.inbound.services import inbound_email_process


class Command(BaseCommand):
    help = "Create tickets or customer replies from raw email messages (files or stdin)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", help="RFC 822 message files; none reads one message from stdin.")

    def handle(self, *args, **options) -> None:
        sources = [Path(name).read_bytes() for name in options["files"]] or [sys.stdin.buffer.read()]
        for raw in sources:
            result = inbound_email_process(raw=raw)
            detail = f": ticket #{result.ticket_id}" if result.ticket_id else ""
            reason = f" ({result.reason})" if result.reason else ""
            self.stdout.write(f"{result.action}{detail}{reason}")
