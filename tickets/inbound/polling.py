"""Polling mailboxes over IMAP (imap-tools).

- One task per mailbox. A lease (an atomic UPDATE on the mailbox row) makes sure two workers never
  poll one mailbox at once; a crashed worker's lease expires after INBOUND_POLL_LEASE_SECONDS.
- A failing mailbox records its error and backs off (1, 2, 4 … up to 60 minutes) without
  touching the others.
- Exactly once: each unseen message is processed (the InboundMessage row written with the ticket
  or reply) and only then flagged seen or moved. A UID already recorded for this mailbox and
  UIDVALIDITY is flagged without being processed again, so a crash between processing and
  flagging duplicates nothing. A message that fails stays unseen (retried by later polls, at most
  INBOUND_MAX_ATTEMPTS times, then left for the admin's retry)."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.message import MailMessage

from tickets.inbound import oauth
from tickets.inbound.services import inbound_email_process
from tickets.models.inbound import InboundMessage, InboundStatus, Mailbox, MailboxSecurity, ProcessedAction

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=60)


@dataclass
class PollResult:
    mailbox_id: int
    polled: bool = False
    processed: int = 0
    duplicates: int = 0
    failed: int = 0
    flagged_only: int = 0
    error: str = ""
    actions: list[str] = field(default_factory=list)


def _client(mailbox: Mailbox) -> BaseMailBox:
    timeout = settings.INBOUND_IMAP_TIMEOUT
    if mailbox.security == MailboxSecurity.SSL:
        return MailBox(mailbox.imap_host, mailbox.imap_port, timeout=timeout, ssl_context=ssl.create_default_context())
    if mailbox.security == MailboxSecurity.STARTTLS:
        return MailBoxStartTls(
            mailbox.imap_host, mailbox.imap_port, timeout=timeout, ssl_context=ssl.create_default_context()
        )
    return MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=timeout)


def imap_connect(mailbox: Mailbox) -> BaseMailBox:
    """A logged-in client on the mailbox's folder (password, or XOAUTH2 with a fresh token)."""
    client = _client(mailbox)
    if mailbox.uses_oauth:
        client.xoauth2(mailbox.username, oauth.access_token_get(mailbox=mailbox), initial_folder=mailbox.folder)
    else:
        client.login(mailbox.username, mailbox.get_secret("password"), initial_folder=mailbox.folder)
    return client


def _lease(mailbox_id: int) -> bool:
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(pk=mailbox_id, is_active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + timedelta(seconds=settings.INBOUND_POLL_LEASE_SECONDS))
    )


def _fetch_raw(client: BaseMailBox, uid: str) -> bytes:
    status, data = client.client.uid("FETCH", uid, "(BODY.PEEK[] UID)")
    if status != "OK":
        raise RuntimeError(f"FETCH {uid} answered {status}")
    raw, _uid, _flags = MailMessage._get_message_data_parts(data)
    return raw


def _mark_processed(client: BaseMailBox, mailbox: Mailbox, uids: list[str]) -> None:
    if not uids:
        return
    if mailbox.processed_action == ProcessedAction.MOVE and mailbox.processed_folder:
        client.flag(uids, "\\Seen", True)
        client.move(uids, mailbox.processed_folder)
    else:
        client.flag(uids, "\\Seen", True)


def _safe_error(exc: BaseException, mailbox: Mailbox) -> str:
    """The error for the admin and the log, without any secret of the mailbox in it."""
    text = f"{type(exc).__name__}: {exc}"
    for name in ("password", "oauth_client_secret", "oauth_refresh_token", "oauth_access_token"):
        try:
            secret = mailbox.get_secret(name)
        except Exception:
            secret = ""
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text[:2000]


def _poll(client: BaseMailBox, mailbox: Mailbox, result: PollResult) -> None:
    status = client.folder.status(mailbox.folder, ["UIDVALIDITY"])
    uidvalidity = int(status["UIDVALIDITY"])
    uids = client.uids(AND(seen=False))[: settings.INBOUND_POLL_BATCH]
    if not uids:
        return
    records = {
        str(uid): (state, attempts)
        for uid, state, attempts in InboundMessage.objects.filter(
            mailbox=mailbox, uidvalidity=uidvalidity, uid__in=[int(u) for u in uids]
        ).values_list("uid", "status", "attempts")
    }
    for uid in uids:
        known = records.get(uid)
        if known is not None and known[0] != InboundStatus.FAILED:
            _mark_processed(client, mailbox, [uid])  # processed before a crash: only the flag was missing
            result.flagged_only += 1
            continue
        if known is not None and known[1] >= settings.INBOUND_MAX_ATTEMPTS:
            continue  # left unseen for the admin's retry
        raw = _fetch_raw(client, uid)
        outcome = inbound_email_process(raw=raw, mailbox=mailbox, uidvalidity=uidvalidity, uid=int(uid), source="imap")
        result.actions.append(outcome.action)
        if outcome.failed:
            result.failed += 1
            continue  # stays unseen
        if outcome.action == "duplicate":
            result.duplicates += 1
        else:
            result.processed += 1
        _mark_processed(client, mailbox, [uid])


def mailbox_poll(*, mailbox_id: int, force: bool = False) -> PollResult:
    """Poll one mailbox once (skipped while another worker holds its lease, or while it backs off)."""
    result = PollResult(mailbox_id=mailbox_id)
    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).first()
    if mailbox is None:
        return result
    if not force and mailbox.next_poll_at and mailbox.next_poll_at > timezone.now():
        return result
    if not _lease(mailbox_id):
        logger.info("mailbox %s is being polled by another worker", mailbox.name)
        return result
    mailbox.refresh_from_db()
    result.polled = True
    client = None
    try:
        client = imap_connect(mailbox)
        _poll(client, mailbox, result)
    except Exception as exc:
        result.error = _safe_error(exc, mailbox)
        failures = mailbox.consecutive_failures + 1
        backoff = min(MAX_BACKOFF, timedelta(minutes=2 ** (failures - 1)))
        logger.warning("mailbox %s poll failed (%d in a row): %s", mailbox.name, failures, result.error)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_error=result.error,
            last_error_at=timezone.now(),
            consecutive_failures=failures,
            next_poll_at=timezone.now() + backoff,
            lease_until=None,
        )
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), last_error="", consecutive_failures=0, next_poll_at=None, lease_until=None
        )
    finally:
        if client is not None:
            try:
                client.logout()
            except Exception:  # the connection may already be gone
                logger.debug("IMAP logout of %s failed", mailbox.name)
    return result


def mailboxes_due() -> list[int]:
    """Active mailboxes not backing off and not leased: one poll task each."""
    now = timezone.now()
    return list(
        Mailbox.objects.filter(is_active=True)
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .values_list("pk", flat=True)
    )


def inbound_raw_purge() -> int:
    """Retention: raw sources older than INBOUND_RAW_RETENTION_DAYS are deleted (failed messages
    keep theirs, so they can still be retried); the records stay as the exactly-once ledger."""
    cutoff = timezone.now() - timedelta(days=settings.INBOUND_RAW_RETENTION_DAYS)
    purged = 0
    old = InboundMessage.objects.filter(received_at__lt=cutoff).exclude(raw="").exclude(status=InboundStatus.FAILED)
    for record in old.only("pk", "raw").iterator(chunk_size=500):
        record.raw.delete(save=False)
        InboundMessage.objects.filter(pk=record.pk).update(raw="")
        purged += 1
    return purged
