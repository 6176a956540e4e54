"""The admin's login form, rate limited like the API's token endpoint (per client address and per
account, config/api/throttling.py): a refused attempt never reaches the password check."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from config.api.throttling import login_attempt_allowed

THROTTLED_MESSAGE = "Too many login attempts. Wait a while before trying again."


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self) -> dict[str, Any]:
        if self.request is not None and not login_attempt_allowed(self.request, self.data.get("username")):
            raise ValidationError(THROTTLED_MESSAGE, code="throttled")
        return super().clean()
