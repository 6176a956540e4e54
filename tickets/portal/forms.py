"""The portal's forms. Text goes through the ticket validators in the services; the forms check
shape (lengths, required fields, file limits) and carry the services' errors back to their fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agents.selectors import CUSTOMER_ROLE, user_role
from config.db import email_matches
from config.text_input import validate_clean_text
from tickets.models import Category, CustomField, FieldType


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError on the form: each message on its field, or on the form."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            name = "cf_" + field.removeprefix("custom_fields.") if field.startswith("custom_fields.") else field
            form.add_error(name if name in form.fields else None, messages)
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
            email_matches(email), is_active=True, customer__isnull=False, customer__erased_at__isnull=True
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Plus one input per active custom field shown to customers (`cf_<key>`); the service
        checks the values (type, the topic the field applies to) and names a bad one."""
        super().__init__(*args, **kwargs)
        for field in CustomField.objects.filter(is_active=True, is_customer_visible=True):
            self.fields[f"cf_{field.key}"] = _custom_form_field(field)

    def custom_field_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name.removeprefix("cf_"): data[name]
            for name in self.fields
            if name.startswith("cf_") and data.get(name) not in (None, "", [], False)
        }


def _custom_form_field(field: CustomField) -> forms.Field:
    common: dict[str, Any] = {"label": field.label, "help_text": field.help_text, "required": False}
    if field.field_type == FieldType.DROPDOWN:
        return forms.ChoiceField(choices=[("", "—"), *((o, o) for o in field.options)], **common)
    if field.field_type == FieldType.MULTI_SELECT:
        choices = [(o, o) for o in field.options]
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if field.field_type == FieldType.CHECKBOX:
        return forms.BooleanField(**common)
    widgets = {
        FieldType.LONG_TEXT: forms.Textarea(attrs={"rows": 4}),
        FieldType.DATE: forms.DateInput(attrs={"type": "date"}),
        FieldType.URL: forms.URLInput(),
    }
    return forms.CharField(widget=widgets.get(FieldType(field.field_type), forms.TextInput()), **common)


class CloseForm(forms.Form):
    """The custom fields a customer fills to close a request (required to close, shown to customers)."""

    def __init__(self, *args: Any, fields: Sequence[CustomField] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in fields:
            self.fields[f"cf_{field.key}"] = form_field = _custom_form_field(field)
            form_field.required = field.field_type != FieldType.CHECKBOX  # unticked is an answer too

    def custom_field_values(self) -> dict[str, Any]:
        return {name.removeprefix("cf_"): value for name, value in self.cleaned_data.items()}


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=100_000,
        validators=[validate_clean_text],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    files = MultipleFileField(label=_("Attach files"))
