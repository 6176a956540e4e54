"""The replica router: reads inside `reporting_reads()` go to the replica when one is configured;
every other read, every write and every migration go to the primary."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from config.db_router import ReplicaRouter, reporting_reads
from tickets import exports
from tickets.models import ExportJob, JobStatus, Ticket

router = ReplicaRouter()


@pytest.fixture
def replica(settings):
    """A `replica` alias: a second connection to the same (test) database, as a streaming replica
    would be; committed rows are visible through it."""
    settings.DATABASE_REPLICA_URL = "postgres://replica.internal/helpdesk"
    primary = connections["default"]
    wrapper = primary.__class__(dict(primary.settings_dict), alias="replica")
    connections["replica"] = wrapper
    yield wrapper
    wrapper.close()
    del connections["replica"]


@pytest.mark.parametrize(
    ("configured", "inside", "operation", "expected"),
    [
        pytest.param(False, False, "read", "default", id="off-read"),
        pytest.param(False, True, "read", "default", id="off-report-read"),
        pytest.param(True, False, "read", "default", id="on-ordinary-read"),
        pytest.param(True, True, "read", "replica", id="on-report-read"),
        pytest.param(True, True, "write", "default", id="on-report-write"),
        pytest.param(True, False, "write", "default", id="on-ordinary-write"),
    ],
)
def test_router_table(settings, configured, inside, operation, expected):
    if configured:
        settings.DATABASE_REPLICA_URL = "postgres://replica.internal/helpdesk"
    pick = router.db_for_read if operation == "read" else router.db_for_write
    if inside:
        with reporting_reads():
            alias = pick(Ticket)
    else:
        alias = pick(Ticket)

    assert alias == expected


def test_migrations_and_relations():
    assert router.allow_migrate("default", "tickets") is True
    assert router.allow_migrate("replica", "tickets") is False
    assert router.allow_relation(Ticket(), Ticket()) is True


def test_block_ends_even_on_error(settings):
    settings.DATABASE_REPLICA_URL = "postgres://replica.internal/helpdesk"
    with pytest.raises(RuntimeError), reporting_reads():
        raise RuntimeError
    assert router.db_for_read(Ticket) == "default"


@pytest.mark.django_db(transaction=True)
def test_export_reads_tickets_from_the_replica_and_writes_the_job_to_the_primary(agent, customer_a, replica):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, _quantity=3)
    job = ExportJob.objects.create(requested_by=agent.user, format="csv", filters={})

    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(replica) as secondary:
        exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.row_count) == (JobStatus.COMPLETED, 3)
    ticket_table = '"tickets_ticket"'
    assert any(ticket_table in q["sql"] for q in secondary.captured_queries)
    assert not any(ticket_table in q["sql"] for q in primary.captured_queries)
    assert not any(q["sql"].startswith(("UPDATE", "INSERT")) for q in secondary.captured_queries)
