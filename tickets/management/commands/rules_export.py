"""`manage.py rules_export [--format json|yaml] [--output FILE]`: every trigger, automation and SLA
policy as one document (tickets/rules/document.py), to stdout or a file."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tickets.rules.document import rules_export


def dump(document: object, fmt: str) -> str:
    if fmt == "yaml":
        try:
            import yaml
        except ImportError as exc:  # pragma: no cover - PyYAML comes with drf-spectacular
            raise CommandError("YAML needs PyYAML; use --format json.") from exc
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Export every trigger, automation and SLA policy as one JSON (or YAML) document."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=("json", "yaml"), default="json")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(self, *args, **options) -> None:
        text = dump(rules_export(), options["format"])
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {options['output']}.")
        else:
            self.stdout.write(text, ending="")
