"""Who may use a portal page, and how often the sign-in forms may be tried."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_ratelimit.core import is_ratelimited

from agents.selectors import CUSTOMER_ROLE, user_role


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in customers only: anybody else signs in first; an agent gets a page pointing to the
    agents' desk (403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if user_role(request.user) != CUSTOMER_ROLE:
            return render(request, "portal/not_customer.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _address(group: str, request: HttpRequest) -> str:
    return (request.POST.get("username") or request.POST.get("email") or "").strip().lower()


def rate_limited(request: HttpRequest, group: str) -> bool:
    """Counts this POST against the per-address and per-IP limits of `group`; True once either is
    exceeded (the caller answers 429 and does nothing)."""
    if request.method != "POST":
        return False
    by_address = is_ratelimited(
        request, group=f"{group}:address", key=_address, rate=settings.PORTAL_RATE_PER_ADDRESS, increment=True
    )
    by_ip = is_ratelimited(request, group=f"{group}:ip", key="ip", rate=settings.PORTAL_RATE_PER_IP, increment=True)
    return bool(by_address or by_ip)


def too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "portal/rate_limited.html", status=429)
    response["Retry-After"] = "900"
    return response
