"""Celery tasks of the customers app: thin wrappers around customers/crm.py; retries live here."""

from __future__ import annotations

from celery import shared_task

from customers import crm


@shared_task(
    name="customers.crm_push",
    autoretry_for=(crm.CrmTransientError,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def customer_crm_push_task(customer_id: int) -> str | None:
    """Push one customer to the CRM; connection errors, 429 and 5xx are retried with backoff."""
    return crm.customer_crm_push(customer_id=customer_id)


@shared_task(name="customers.crm_sync_sweep")
def crm_sync_sweep_task() -> int:
    """Beat: re-push customers changed since their last successful push."""
    return crm.crm_sync_sweep()


@shared_task(name="customers.crm_pull_tiers")
def crm_pull_tiers_task() -> int:
    """Pull tier changes made in the CRM."""
    return crm.crm_pull_tiers()
