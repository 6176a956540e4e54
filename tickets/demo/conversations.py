"""The bulk seed's conversations, audit events and files' metadata made in PostgreSQL, set-based,
over a batch of tickets just loaded (tickets/demo/bulk.py): three INSERT ... SELECT statements
instead of millions of Python rows. The rules are those of tickets/demo/rows.py `conversations`
(SQLite's path), with each ticket's draws taken from a hash of its id and the run's seed, so a
seed gives the same data again:

- events: `created` for every ticket, `assigned` when it has an assignee, `status_changed` (by
  the agent, at the first reply) when it is no longer open;
- the first message, 30 minutes after creation: the agent's reply when the ticket was answered
  (not open) or on a coin toss, else the customer's "any news?"; an internal note 5 minutes later
  on 35% of tickets; the customer's follow-up two hours later on half of them ("thanks" once
  resolved or closed). The agent is the assignee, else one of the agents drawn from the hash;
- a file's metadata on 10% of the agents' replies (all pointing at the one stored sample file).

Primary keys come from the seeder's IdBlock (explicit, in ticket then message order)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from tickets.demo.copy import IdBlock
from tickets.demo.desk import AGENT_REPLIES, CUSTOMER_MESSAGES, INTERNAL_NOTES
from tickets.demo.rows import ATTACHMENT_SHARE, FOLLOW_UP_SHARE, INTERNAL_NOTE_SHARE, UNANSWERED_AGENT_FIRST
from tickets.models import Attachment, Comment, Ticket, TicketEvent

# Which draw each decision uses (salted into the hash with the seed).
AUTHOR, AGENT_FIRST, REPLY_TEXT, NOTE, NOTE_TEXT, FOLLOW_UP, FILE = range(7)


def draw(decision: int, seed: int, column: str = "id") -> str:
    """SQL for a uniform draw in [0, 1) from a ticket's id, the seed and the decision."""
    salt = int(seed) * 16 + decision
    return f"((hashint8extended({column}::bigint, {salt}) & 2147483647)::float8 / 2147483648.0)"


def _pick(array: str, decision: int, seed: int) -> str:
    """SQL for one element of an array parameter, drawn."""
    return f"({array})[1 + floor({draw(decision, seed)} * cardinality({array}))::int]"


def _ticket_draws(seed: int) -> str:
    """The batch's tickets with their draws (the same in every statement, so they agree)."""
    return f"""
        SELECT id, customer_id, assignee_id, status, created_at, created_at + interval '30 minutes' AS first_at,
               coalesce(assignee_id, {_pick("%(agents)s::bigint[]", AUTHOR, seed)}) AS author,
               status <> 'open' OR {draw(AGENT_FIRST, seed)} < {UNANSWERED_AGENT_FIRST} AS agent_first,
               {_pick("%(replies)s::text[]", REPLY_TEXT, seed)} AS reply,
               {draw(NOTE, seed)} < {INTERNAL_NOTE_SHARE} AS noted,
               {_pick("%(notes)s::text[]", NOTE_TEXT, seed)} AS note,
               {draw(FOLLOW_UP, seed)} < {FOLLOW_UP_SHARE} AS followed_up
        FROM "{Ticket._meta.db_table}" WHERE id >= %(lo)s AND id <= %(hi)s
    """  # noqa: S608 (only ints and constants are formatted in)


def _comments_sql(seed: int) -> str:
    return f"""
        SELECT %(first_id)s - 1 + row_number() OVER (ORDER BY t.id, m.slot),
               t.id, m.author_id, m.customer_id, m.body, m.is_internal, m.channel, '', m.created_at
        FROM ({_ticket_draws(seed)}) t CROSS JOIN LATERAL (VALUES
            (1, true, CASE WHEN t.agent_first THEN t.author END, CASE WHEN NOT t.agent_first THEN t.customer_id END,
             CASE WHEN t.agent_first THEN t.reply ELSE %(waiting)s END, false,
             CASE WHEN t.agent_first THEN 'web' ELSE 'email' END, t.first_at),
            (2, t.noted, t.author, NULL, t.note, true, 'web', t.first_at + interval '5 minutes'),
            (3, t.followed_up, NULL, t.customer_id,
             CASE WHEN t.status IN ('resolved', 'closed') THEN %(thanks)s ELSE %(waiting)s END, false, 'email',
             t.first_at + interval '2 hours')
        ) AS m(slot, kept, author_id, customer_id, body, is_internal, channel, created_at)
        WHERE m.kept
    """  # noqa: S608


def _events_sql(seed: int) -> str:
    return f"""
        SELECT %(first_id)s - 1 + row_number() OVER (ORDER BY t.id, m.slot),
               t.id, m.actor_id, m.kind, m.field, m.old_value, m.new_value, '', '', m.created_at
        FROM ({_ticket_draws(seed)}) t CROSS JOIN LATERAL (VALUES
            (1, true, NULL::bigint, 'created', '', NULL::jsonb, to_jsonb('open'::text), t.created_at),
            (2, t.assignee_id IS NOT NULL, t.assignee_id, 'assigned', 'assignee', NULL, to_jsonb(t.assignee_id),
             t.created_at),
            (3, t.status <> 'open', t.author, 'status_changed', 'status', to_jsonb('open'::text),
             to_jsonb(t.status::text), t.first_at)
        ) AS m(slot, kept, actor_id, kind, field, old_value, new_value, created_at)
        WHERE m.kept
    """  # noqa: S608


def _attachments_sql(seed: int) -> str:
    return f"""
        SELECT %(first_id)s - 1 + row_number() OVER (ORDER BY id),
               ticket_id, id, %(file)s, %(filename)s, 'text/plain', %(size)s, author_id, created_at
        FROM "{Comment._meta.db_table}"
        WHERE id >= %(first_comment)s AND id <= %(last_comment)s AND NOT is_internal AND customer_id IS NULL
          AND {draw(FILE, seed, "ticket_id")} < {ATTACHMENT_SHARE}
    """  # noqa: S608


COLUMNS = {
    Comment: [
        "ticket_id",
        "author_id",
        "customer_id",
        "body",
        "is_internal",
        "channel",
        "email_message_id",
        "created_at",
    ],
    TicketEvent: ["ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "note", "rule", "created_at"],
    Attachment: ["ticket_id", "comment_id", "file", "filename", "content_type", "size", "uploaded_by_id", "created_at"],
}


def conversations_insert(
    *, ids: IdBlock, tickets: range, seed: int, agents: Sequence[int], sample_file: tuple[str, bytes]
) -> dict[str, int]:
    """Messages, events and files for the tickets whose ids are in `tickets` (already loaded);
    returns how many of each were made."""
    params: dict[str, Any] = {
        "lo": tickets.start,
        "hi": tickets.stop - 1,
        "agents": list(agents),
        "replies": AGENT_REPLIES,
        "notes": INTERNAL_NOTES,
        "waiting": CUSTOMER_MESSAGES[1],
        "thanks": CUSTOMER_MESSAGES[2],
        "file": sample_file[0],
        "filename": sample_file[0].rsplit("/", 1)[-1],
        "size": len(sample_file[1]),
    }
    first_comment = ids.next[Comment]
    comments = _insert(ids, Comment, _comments_sql(seed), params)
    events = _insert(ids, TicketEvent, _events_sql(seed), params)
    params |= {"first_comment": first_comment, "last_comment": first_comment + comments - 1}
    files = _insert(ids, Attachment, _attachments_sql(seed), params)
    return {"comments": comments, "events": events, "attachments": files}


def _insert(ids: IdBlock, model: type[models.Model], select: str, params: dict[str, Any]) -> int:
    """INSERT the SELECT's rows (id, then COLUMNS[model]) with ids from the block; every other
    column gets its model default. Returns the row count."""
    columns = COLUMNS[model]
    fields = {field.attname: field for field in model._meta.concrete_fields}
    rest = [f for name, f in fields.items() if name not in columns and not f.primary_key and not f.generated]
    defaults = {f"default_{f.attname}": f.get_db_prep_save(f.get_default(), connection) for f in rest}
    names = ", ".join(f'"{fields[name].column}"' for name in ["id", *columns]) + "".join(
        f', "{f.column}"' for f in rest
    )
    extra = "".join(f", %({key})s" for key in defaults)
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({names}) '  # noqa: S608
        f"SELECT s.*{extra} FROM ({select}) s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, **defaults, "first_id": ids.next[model]})
        count = cursor.rowcount
    ids.take(model, count)
    return count
