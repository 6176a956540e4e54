"""Rules as configuration: `rules_export` writes every trigger, automation and SLA policy as one
document; `rules_import` validates the whole of it (errors name the rule and the field) and
applies it through the services, or with --dry-run reports and writes nothing."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from tickets.models import Automation, RuleVersion, SLAPolicy, SLATarget, Trigger

pytestmark = pytest.mark.django_db


def _export(tmp_path, fmt="json"):
    path = tmp_path / f"rules.{fmt}"
    call_command("rules_export", "--format", fmt, "--output", str(path))
    return path


def _import(path, *args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("rules_import", str(path), *args, stdout=out)
    return out.getvalue()


def _counts():
    return (
        Trigger.objects.count(),
        Automation.objects.count(),
        SLAPolicy.objects.count(),
        SLATarget.objects.count(),
        RuleVersion.objects.count(),
    )


def test_export_holds_every_rule_and_policy(tmp_path):
    document = json.loads(_export(tmp_path).read_text())

    assert document["version"] == 1
    assert [t["name"] for t in document["triggers"]] == list(
        Trigger.objects.order_by("position", "id").values_list("name", flat=True)
    )
    assert len(document["automations"]) == Automation.objects.count()
    default = next(p for p in document["sla_policies"] if p["is_default"])
    assert default["calendar"] == "Business hours"
    assert {t["priority"]: t["first_response_minutes"] for t in default["targets"]} == {
        "low": 4320,
        "medium": 1440,
        "high": 240,
        "critical": 60,
    }


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_an_exported_document_imports_unchanged(tmp_path, fmt):
    path = _export(tmp_path, fmt)
    before = _counts()

    out = _import(path)

    assert "create" not in out
    assert "update" not in out
    assert _counts() == before


def test_dry_run_reports_and_writes_nothing_then_the_real_run_agrees(tmp_path):
    path = _export(tmp_path)
    document = json.loads(path.read_text())
    document["triggers"][0]["position"] = 7
    document["automations"].append(
        {
            "name": "Tag stale",
            "conditions": {"all": [{"field": "hours_since_updated", "operator": "gte", "value": 48}]},
            "actions": [{"action": "add_tags", "value": ["stale"]}],
        }
    )
    default = next(p for p in document["sla_policies"] if p["is_default"])
    default["targets"][0]["next_reply_minutes"] = 120
    path.write_text(json.dumps(document))
    first = document["triggers"][0]["name"]
    before = _counts()

    dry = _import(path, "--dry-run")

    assert _counts() == before
    expected = [
        "create automation 'Tag stale'",
        f"update trigger '{first}'",
        "update SLA policy 'Default'",
    ]
    assert [line for line in dry.splitlines() if line.startswith(("create", "update"))] == expected
    assert dry.splitlines()[-1] == "Dry run: nothing was written."

    real = _import(path)

    assert [line for line in real.splitlines() if line.startswith(("create", "update"))] == expected
    assert Trigger.objects.get(name=first).position == 7
    assert Automation.objects.filter(name="Tag stale").exists()
    assert SLATarget.objects.filter(policy__is_default=True, next_reply_minutes=120).count() == 1
    assert RuleVersion.objects.filter(note="Imported.").count() == 3  # the trigger, the automation, the policy


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param(
            lambda d: d["triggers"][0]["conditions"].update(
                {"all": [{"field": "status", "operator": "is", "value": "urgent"}]}
            ),
            "triggers #1 '{trigger}': conditions: all #1 (status): 'urgent' is not one of open, in_progress, "
            "pending, on_hold, resolved, closed.",
            id="trigger-condition",
        ),
        pytest.param(
            lambda d: d["automations"][0].update({"actions": []}),
            "automations #1 '{automation}': actions: A rule needs at least one action "
            '(a list of {{"action", "value"}}).',
            id="automation-without-actions",
        ),
        pytest.param(
            lambda d: d["sla_policies"][0].update({"calendar": "Mars"}),
            "sla_policies #1 'Default': calendar: no business calendar named 'Mars'.",
            id="policy-calendar",
        ),
        pytest.param(
            lambda d: d["sla_policies"][0]["targets"][0].update({"priority": "urgent"}),
            "sla_policies #1 'Default': targets #1: priority: Value 'urgent' is not a valid choice.",
            id="target-priority",
        ),
        pytest.param(
            lambda d: d["sla_policies"][0].update({"pause_statuses": {"resolution": ["closed"]}}),
            "sla_policies #1 'Default': pause_statuses: resolution: 'closed' is not a status that can pause a "
            "clock (open, in_progress, pending, on_hold).",
            id="policy-pauses",
        ),
        pytest.param(
            lambda d: d["triggers"].append(dict(d["triggers"][0])),
            "triggers #{last} '{trigger}': name: appears twice in the document.",
            id="duplicate-name",
        ),
        pytest.param(
            lambda d: d.update({"version": 2}),
            'version: the document must be an object with "version": 1.',
            id="version",
        ),
    ],
)
def test_an_invalid_document_names_the_rule_and_field_and_writes_nothing(tmp_path, change, error):
    path = _export(tmp_path)
    document = json.loads(path.read_text())
    names = {"trigger": document["triggers"][0]["name"], "automation": document["automations"][0]["name"]}
    change(document)
    path.write_text(json.dumps(document))
    before = _counts()

    with pytest.raises(CommandError) as exc:
        _import(path)

    assert f"- {error.format(**names, last=len(document['triggers']))}" in str(exc.value).splitlines()
    assert _counts() == before


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text("{nope")

    with pytest.raises(CommandError, match="not a valid document"):
        _import(path)
