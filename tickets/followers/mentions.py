"""@mentions in internal notes: `@alice` (an agent's email local part, or their name without spaces,
or their first name when only one active agent has it) makes the agent a follower of the ticket;
tickets/recipients.py emails them ("mentioned", if their preferences allow). Customers are never
mentioned: only agents resolve."""

from __future__ import annotations

import re

from django.contrib.auth.base_user import AbstractBaseUser

from agents.models import Agent, Role
from tickets.followers.services import follower_add
from tickets.models import Ticket

MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][\w.+-]{0,63})")


def mention_tokens(body: str) -> list[str]:
    """The lower-cased names after `@` in `body`, trailing dots dropped ("@bob." ends a sentence)."""
    return list(dict.fromkeys(token.rstrip(".").lower() for token in MENTION.findall(body or "")))


def mentioned_agents(body: str) -> list[Agent]:
    """The active agents (viewers excepted) `body` mentions, in the order first mentioned. One
    query (the desk's agents: a short list) when the body has an @, none otherwise."""
    tokens = mention_tokens(body)
    if not tokens:
        return []
    candidates = list(Agent.objects.select_related("user").filter(user__is_active=True).exclude(role=Role.VIEWER))
    found: list[Agent] = []
    for token in tokens:
        local = [a for a in candidates if a.user.email.lower().split("@")[0] == token]
        joined = [a for a in candidates if (a.user.name or "").replace(" ", "").lower() == token]
        first = [a for a in candidates if (a.user.name or "").split(" ")[0].lower() == token]
        match = local or joined or (first if len(first) == 1 else [])
        found.extend(a for a in match if a not in found)
    return found


def mentions_apply(*, ticket: Ticket, body: str, actor: AbstractBaseUser | None) -> list[int]:
    """Make each agent `body` mentions a follower (the author excepted); their user ids, for the
    comment's event (tickets/recipients.py mails them)."""
    ids = []
    for agent in mentioned_agents(body):
        if actor is not None and agent.user_id == actor.pk:
            continue
        follower_add(ticket=ticket, email=agent.user.email, actor=actor, note="Mentioned in an internal note.")
        ids.append(agent.user_id)
    return ids
