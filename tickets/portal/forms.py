"""The portal's forms. Text goes through the ticket validators in the services; the forms check
shape (lengths, required fields, file limits) and carry the services' errors back to their fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agents.selectors import CUSTOMER_ROLE, user_role
from config.text_input import validate_clean_text
from tickets.models import Category


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: each message on its field, or on the form."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class PortalLoginForm(AuthenticationForm):
    """Email and password; only customers' logins sign in here (agents use the admin)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That email address and password do not match an account."),
        "not_customer": _("This sign-in is for customers. Agents sign in to the agents' desk."),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user_role(user) != CUSTOMER_ROLE:
            raise ValidationError(self.error_messages["not_customer"], code="not_customer")


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form, for customers' logins only (with or without a password yet). It answers
    the same whether the address exists or not."""

    def get_users(self, email: str):  # type: ignore[override]
        users = get_user_model()._default_manager.filter(
            email__iexact=email, is_active=True, customer__isnull=False, customer__erased_at__isnull=True
        )
        return (u for u in users if user_role(u) == CUSTOMER_ROLE)


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, validators=[validate_clean_text])
    email = forms.EmailField(label=_("Work email address"), max_length=254)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email.rpartition("@")[2] not in settings.PORTAL_SIGNUP_DOMAINS:
            raise ValidationError(
                _("Sign-up is open to addresses at: %(domains)s."),
                params={"domains": ", ".join(settings.PORTAL_SIGNUP_DOMAINS)},
                code="domain",
            )
        return email


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        elif one:
            try:
                password_validation.validate_password(one, get_user_model()(email=self.email))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class TicketForm(forms.Form):
    title = forms.CharField(
        label=_("Subject"),
        max_length=200,
        validators=[validate_clean_text],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = forms.ModelChoiceField(
        label=_("Topic"), queryset=Category.objects.order_by("name"), required=False, empty_label=_("Not sure")
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=100_000,
        validators=[validate_clean_text],
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    files = MultipleFileField(label=_("Attach files"))


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=100_000,
        validators=[validate_clean_text],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(label=_("Attach files"))
