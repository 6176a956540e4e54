"""Signing in to the portal: password, one-time email link, password reset (Django's views with the
portal's templates), optional self sign-up, signing out. Every POST is rate limited (access.py) and
CSRF protected; no answer tells whether an address has an account."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from tickets.portal import services, tokens
from tickets.portal.access import rate_limited, too_many
from tickets.portal.forms import (
    EmailForm,
    PortalLoginForm,
    PortalPasswordResetForm,
    SetPasswordForm,
    SignupForm,
    apply_errors,
)

BACKEND = "agents.authentication.ProfileModelBackend"  # the project's one (settings.AUTHENTICATION_BACKENDS)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("portal:tickets")


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and rate_limited(request, "login"):
        return too_many(request)
    form = PortalLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        return redirect(_next(request))
    context = {"form": form, "next": _next(request), "signup_open": bool(settings.PORTAL_SIGNUP_DOMAINS)}
    return render(request, "portal/login.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")


@require_http_methods(["GET", "POST"])
def login_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time sign-in link; the answer is the same whether the address is known or not."""
    if request.method == "POST" and rate_limited(request, "login-link"):
        return too_many(request)
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.portal_login_link_send(email=form.cleaned_data["email"])
        return render(request, "portal/login_link_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "portal/login_link_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that open links do not use them up); POST signs in."""
    if request.method == "GET":
        valid = tokens.login_token_customer(token) is not None
        return render(request, "portal/login_link.html", {"valid": valid}, status=200 if valid else 400)
    if rate_limited(request, "login-link-use"):
        return too_many(request)
    user = services.portal_login_link_use(token=token)
    if user is None:
        return render(request, "portal/login_link.html", {"valid": False}, status=400)
    login(request, user, backend=BACKEND)
    return redirect("portal:tickets")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    template_name = "portal/password_reset.html"
    email_template_name = "portal/email/password_reset.txt"
    subject_template_name = "portal/email/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if rate_limited(request, "password-reset"):
            return too_many(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PortalPasswordResetForm) -> HttpResponse:
        # Links in the mail point at SITE_URL, not at whatever Host header the request carried.
        scheme, _, domain = settings.SITE_URL.rstrip("/").partition("://")
        self.extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}
        form.save(
            domain_override=domain,
            use_https=scheme == "https",
            token_generator=self.token_generator,
            from_email=self.from_email,
            email_template_name=self.email_template_name,
            subject_template_name=self.subject_template_name,
            request=self.request,
            extra_email_context=self.extra_email_context,
        )
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset_complete.html"


def _signup_open() -> None:
    if not settings.PORTAL_SIGNUP_DOMAINS:
        raise Http404("Sign-up is off.")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    _signup_open()
    if request.method == "POST" and rate_limited(request, "signup"):
        return too_many(request)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_signup_request(email=form.cleaned_data["email"], name=form.cleaned_data["name"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(request, "portal/signup_sent.html", {"email": form.cleaned_data["email"]})
    context = {"form": form, "domains": settings.PORTAL_SIGNUP_DOMAINS}
    return render(request, "portal/signup.html", context)


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    _signup_open()
    signup_request = tokens.signup_token_read(token)
    if signup_request is None:
        return render(request, "portal/signup_confirm.html", {"valid": False}, status=400)
    form = SetPasswordForm(request.POST or None, email=signup_request.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.portal_signup_complete(signup=signup_request, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            login(request, user, backend=BACKEND)
            return redirect("portal:tickets")
    context = {"valid": True, "form": form, "email": signup_request.email}
    return render(request, "portal/signup_confirm.html", context)
