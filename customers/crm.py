"""CRM sync: customers are pushed to the configured CRM over HTTP when created or changed (an
outbox consumer of customer.created/updated, retried through its consumer runs), the returned
`crm_id` is stored, and tier changes made in the CRM can be pulled back (`manage.py
crm_pull_tiers`). Off when CRM_BASE_URL is unset.

The CRM contract (a small JSON REST API, bearer token):
- `POST {CRM_BASE_URL}/customers` -> 2xx `{"id": "<crm id>", ...}` creates; `Idempotency-Key` makes a
  retried create safe.
- `PUT {CRM_BASE_URL}/customers/{crm_id}` -> 2xx updates.
- `GET {CRM_BASE_URL}/customers?updated_since=<ISO 8601>` -> `{"results": [{"id", "tier"}, ...],
  "next": <url or null>}` lists customers (for the tier pull).
Transient failures (connection errors, timeouts, 429, 5xx) raise CrmTransientError and are
retried with exponential backoff by the task; other failures raise CrmError and are recorded on
the customer (`crm_last_error`), never swallowed."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from config.celery import enqueue
from customers.models import Customer, Tier

logger = logging.getLogger(__name__)


class CrmError(Exception):
    """The CRM refused the request or answered something unusable: retrying will not help."""


class CrmTransientError(CrmError):
    """The CRM could not be reached or failed on its side: retry later."""


def crm_is_configured() -> bool:
    return bool(settings.CRM_BASE_URL)


def _url(path: str) -> str:
    return f"{settings.CRM_BASE_URL.rstrip('/')}/{path.lstrip('/')}"


def _headers() -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": "helpdesk-crm-sync/1"}
    if settings.CRM_API_TOKEN:
        headers["Authorization"] = f"Bearer {settings.CRM_API_TOKEN}"
    return headers


def customer_crm_payload(customer: Customer) -> dict[str, Any]:
    return {
        "external_id": str(customer.pk),
        "email": customer.email,
        "name": customer.name,
        "company": customer.company,
        "phone": customer.phone,
        "tier": customer.tier,
        "organization": customer.organization.name if customer.organization_id else None,
    }


def _request(method: str, url: str, *, extra_headers: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
    try:
        response = requests.request(
            method,
            url,
            headers={**_headers(), **(extra_headers or {})},
            timeout=settings.CRM_TIMEOUT_SECONDS,
            allow_redirects=False,
            **kwargs,
        )
    except requests.RequestException as exc:
        raise CrmTransientError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise CrmTransientError(f"{method} {url}: HTTP {response.status_code}")
    if not 200 <= response.status_code < 300:
        raise CrmError(f"{method} {url}: HTTP {response.status_code}: {response.text[:200]}")
    return response


def customer_crm_push(*, customer_id: int) -> str | None:
    """Send the customer to the CRM (create, or update when it has a crm_id) and store the crm_id
    it returns. A no-op (None) when the CRM is not configured, the customer is gone or erased.
    Every failure is stored on the customer and raised."""
    if not crm_is_configured():
        return None
    customer = Customer.objects.select_related("organization").filter(pk=customer_id).first()
    if customer is None or customer.erased_at is not None:
        return None
    payload = customer_crm_payload(customer)
    try:
        if customer.crm_id:
            response = _request("PUT", _url(f"customers/{customer.crm_id}"), json=payload)
        else:
            # The key makes a create retried after a lost response safe on the CRM side.
            idempotency = {"Idempotency-Key": f"helpdesk-customer-{customer.pk}"}
            response = _request("POST", _url("customers"), json=payload, extra_headers=idempotency)
        try:
            crm_id = str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CrmError(f"The CRM answered without an id: {response.text[:200]}") from exc
    except CrmError as exc:
        Customer.objects.filter(pk=customer_id).update(crm_last_error=str(exc)[:2000])
        logger.warning("CRM push of customer %s failed: %s", customer_id, exc)
        raise
    # A queryset update: no customer.updated event, so storing the id does not push again.
    Customer.objects.filter(pk=customer_id).update(crm_id=crm_id, crm_synced_at=timezone.now(), crm_last_error="")
    return crm_id


def crm_on_customer_changed(payload: dict[str, Any]) -> None:
    """Outbox consumer of `customer.created` and `customer.updated` (registered in
    CustomersConfig.ready): push the customer once their change committed. A transient failure
    (connection, timeout, 429, 5xx) raises, so the consumer run stays pending and the outbox sweep
    retries it; a permanent one is recorded on the customer (customer_crm_push) and not retried.
    Customers still unsynced after that are re-pushed by the beat sweep (crm_sync_sweep)."""
    if not crm_is_configured():
        return
    try:
        customer_crm_push(customer_id=int(payload["id"]))
    except CrmTransientError:
        raise
    except CrmError:
        return  # recorded on the customer (crm_last_error); retrying would fail the same way


def crm_stale_customers(*, limit: int = 500) -> list[int]:
    """Customers never pushed or changed since their last push (a lost task, a CRM outage)."""
    stale = Q(crm_synced_at__isnull=True) | Q(updated_at__gt=F("crm_synced_at"))
    return list(
        Customer.objects.filter(stale, erased_at__isnull=True)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )


def crm_sync_sweep(*, limit: int = 500) -> int:
    """Beat: enqueue a push for each stale customer. Returns how many were enqueued."""
    if not crm_is_configured():
        return 0
    ids = crm_stale_customers(limit=limit)
    for customer_id in ids:
        enqueue("customers.crm_push", customer_id)
    logger.info("CRM sweep: %d customer(s) enqueued", len(ids))
    return len(ids)


def crm_pull_tiers(*, since: datetime | None = None, actor: Any = None) -> int:
    """Read the customers' tiers from the CRM and apply the changed ones through
    customers.services.customer_update. Returns the number of customers changed."""
    from customers.services import customer_update

    if not crm_is_configured():
        return 0
    tiers: dict[str, str] = {}
    url: str | None = _url("customers")
    params: dict[str, str] | None = {"updated_since": since.isoformat()} if since else None
    while url:
        response = _request("GET", url, params=params)
        try:
            data = response.json()
            rows = data["results"] if isinstance(data, dict) else data
            for row in rows:
                if row.get("tier") in Tier.values:
                    tiers[str(row["id"])] = row["tier"]
                else:
                    logger.warning("CRM customer %s has an unknown tier %r; skipped", row.get("id"), row.get("tier"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CrmError(f"Unexpected CRM customer list: {response.text[:200]}") from exc
        url = data.get("next") if isinstance(data, dict) else None
        params = None
    changed = 0
    for customer in Customer.objects.filter(crm_id__in=list(tiers), erased_at__isnull=True).order_by("pk"):
        if customer.tier != tiers[customer.crm_id]:
            customer_update(customer=customer, data={"tier": tiers[customer.crm_id]}, actor=actor)
            changed += 1
    logger.info("CRM tier pull: %d customer(s) changed", changed)
    return changed
