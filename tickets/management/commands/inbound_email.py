"""`manage.py inbound_email [FILE ...]`: feed RFC 822 messages (files, or stdin) to inbound email
processing — the same as IMAP polling and the ESP webhook. Point your MTA's pipe transport at it:
a message that fails exits 75 (EX_TEMPFAIL) so the MTA keeps it and retries."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from tickets.inbound.services import EXIT_TEMPFAIL, inbound_email_process


class Command(BaseCommand):
    help = "Process raw email messages (files or stdin) into tickets, replies, notes and bounces."

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", help="RFC 822 message files; none reads one message from stdin.")

    def handle(self, *args, **options) -> None:
        sources = [Path(name).read_bytes() for name in options["files"]] or [sys.stdin.buffer.read()]
        failed = False
        for raw in sources:
            result = inbound_email_process(raw=raw)
            detail = f": ticket #{result.ticket_id}" if result.ticket_id else ""
            reason = f" ({result.reason})" if result.reason else ""
            self.stdout.write(f"{result.action}{detail}{reason}")
            failed = failed or result.failed
        if failed:
            sys.exit(EXIT_TEMPFAIL)
