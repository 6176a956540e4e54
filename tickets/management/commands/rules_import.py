"""`manage.py rules_import FILE [--dry-run]`: apply a rules document (tickets/rules/document.py) —
validated as a whole first, each error naming the section, the rule and the field; `--dry-run`
reports what would be created, updated or left unchanged and writes nothing. JSON, or YAML for a
.yaml/.yml file."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tickets.rules.document import DocumentError, rules_import


def load(path: str) -> object:
    text = Path(path).read_text(encoding="utf-8")
    try:
        if path.endswith((".yaml", ".yml")):
            import yaml

            return yaml.safe_load(text)
        return json.loads(text)
    except ValueError as exc:  # json.JSONDecodeError and yaml.YAMLError's parse errors
        raise CommandError(f"{path}: not a valid document ({exc}).") from exc


class Command(BaseCommand):
    help = "Import triggers, automations and SLA policies from a JSON (or YAML) document."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")

    def handle(self, *args, **options) -> None:
        try:
            report = rules_import(document=load(options["file"]), dry_run=options["dry_run"])
        except DocumentError as exc:
            raise CommandError("The document was not imported:\n" + "\n".join(f"- {e}" for e in exc.errors)) from exc
        for line in report.lines():
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
