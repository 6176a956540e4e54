"""The satisfaction survey page a resolved ticket's email links to (no login): GET shows the
question with the clicked answer chosen (so a mail scanner opening the link records nothing),
POST records it once (tickets/satisfaction.py)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from config.text_input import validate_clean_text
from tickets.models import Satisfaction
from tickets.portal.access import rate_limited, too_many
from tickets.portal.forms import apply_errors
from tickets.satisfaction import COMMENT_MAX, survey_ticket, ticket_rate_satisfaction


class SurveyForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How did we do?"),
        choices=[(Satisfaction.GOOD, _("Good, I'm satisfied")), (Satisfaction.BAD, _("Bad, I'm unsatisfied"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us?"),
        required=False,
        max_length=COMMENT_MAX,
        validators=[validate_clean_text],
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@require_http_methods(["GET", "POST"])
def satisfaction(request: HttpRequest, token: str) -> HttpResponse:
    ticket = survey_ticket(token)
    if ticket is None:
        return render(request, "portal/satisfaction.html", {"closed": True}, status=410)
    if request.method == "POST":
        if rate_limited(request, "csat"):
            return too_many(request)
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                ticket_rate_satisfaction(
                    token=token, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return render(request, "portal/satisfaction.html", {"thanks": True, "ticket": ticket})
        return render(request, "portal/satisfaction.html", {"form": form, "ticket": ticket}, status=400)
    initial = request.GET.get("rating") if request.GET.get("rating") in Satisfaction.values else None
    form = SurveyForm(initial={"rating": initial})
    return render(request, "portal/satisfaction.html", {"form": form, "ticket": ticket})
