"""The originating change: what one outermost service call did to tickets, so the triggers
(tickets/rules/) run once, at its end, inside its transaction.

A service decorated with `@change_scope` opens a scope when none is open (an API request, an
admin save, a task) and joins the open one otherwise (ticket_update calling ticket_change_status,
a macro, a trigger's action). Services `change_note` what happened; when the outermost call
returns, the registered runner (tickets/rules/triggers.py, registered in tickets/apps.py: this
module imports no rule code) runs the triggers on every ticket the scope touched. An exception
anywhere propagates and the transaction rolls the whole change back.

`rule_applying` marks the events written while a rule acts, so the audit trail names the rule."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class TicketChange:
    """What happened to one ticket in the originating change."""

    ticket_id: int
    events: list[str] = field(default_factory=list)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (first old, last new)
    actor: Any = None
    actor_noted: bool = False
    ticket: Any = None  # the latest instance a service saved (saves the runner a read)

    def note(self, event: str, changes: dict[str, tuple[Any, Any]]) -> None:
        if event not in self.events:
            self.events.append(event)
        for name, (old, new) in changes.items():
            first_old = self.changes[name][0] if name in self.changes else old
            if first_old == new:
                self.changes.pop(name, None)  # changed and changed back: no change
            else:
                self.changes[name] = (first_old, new)


@dataclass
class Scope:
    tickets: dict[int, TicketChange] = field(default_factory=dict)
    fired: set[tuple[int, int]] = field(default_factory=set)  # (trigger id, ticket id)
    running: bool = False
    disabled: bool = False


_scope: ContextVar[Scope | None] = ContextVar("ticket_change_scope", default=None)
_rule: ContextVar[str] = ContextVar("ticket_change_rule", default="")
_runner: Callable[[Scope], None] | None = None


def register_runner(runner: Callable[[Scope], None] | None) -> None:
    """tickets/apps.py registers the trigger runner here (None: triggers off, e.g. for a bench)."""
    global _runner
    _runner = runner


def change_scope(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _scope.get() is not None:
            return fn(*args, **kwargs)
        scope = Scope()
        token = _scope.set(scope)
        try:
            result = fn(*args, **kwargs)
            if _runner is not None and scope.tickets and not scope.disabled:
                scope.running = True
                _runner(scope)
            return result
        finally:
            _scope.reset(token)

    return wrapper


def change_note(
    ticket: Any, *, event: str, actor: Any = None, changes: dict[str, tuple[Any, Any]] | None = None
) -> None:
    """Record what a service did to `ticket` in the open scope (no scope: nothing to do). The
    first actor noted is the change's actor (a trigger's own changes do not replace it)."""
    scope = _scope.get()
    if scope is None:
        return
    record = scope.tickets.setdefault(ticket.pk, TicketChange(ticket_id=ticket.pk))
    record.ticket = ticket
    if not record.actor_noted and not scope.running:
        record.actor, record.actor_noted = actor, True
    record.note(event, changes or {})


def current_scope() -> Scope | None:
    return _scope.get()


@contextmanager
def rule_applying(label: str) -> Iterator[None]:
    """Events written inside carry `label` ("Trigger: Reopen on customer reply") as their rule."""
    token = _rule.set(label)
    try:
        yield
    finally:
        _rule.reset(token)


def current_rule() -> str:
    return _rule.get()


@contextmanager
def triggers_disabled() -> Iterator[None]:
    """Run a block without triggers (a dry run computing what one rule alone would do)."""
    scope = Scope(disabled=True)
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)
