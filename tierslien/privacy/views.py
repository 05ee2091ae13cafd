from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tierslien.accounts.models import User
from tierslien.portraits.access import describe_own_portrait
from tierslien.portraits.models import Portrait
from tierslien.privacy.forms import DeleteAccountForm
from tierslien.privacy.registry import PERSONAL_MODELS
from tierslien.privacy.services import collect_personal_data, delete_account, export_personal_data


def _me(request: HttpRequest) -> User:
    # The only protected object here is the signed-in person themself.
    assert isinstance(request.user, User)
    return request.user


# Words for fields whose models give no translatable name (the page speaks French first).
FIELD_WORDS: dict[str, Any] = {
    "accepted_at": gettext_lazy("accepted on"),
    "answer": gettext_lazy("answer"),
    "answers": gettext_lazy("answers"),
    "attendee": gettext_lazy("attendee"),
    "blocked": gettext_lazy("person kept apart"),
    "checked_in_at": gettext_lazy("arrived at"),
    "circle": gettext_lazy("circle"),
    "code": gettext_lazy("code"),
    "created_at": gettext_lazy("created on"),
    "criterion": gettext_lazy("question"),
    "edited_at": gettext_lazy("edited on"),
    "evening": gettext_lazy("evening"),
    "given_at": gettext_lazy("given on"),
    "handled_at": gettext_lazy("handled on"),
    "invited_at": gettext_lazy("invited on"),
    "last_used_at": gettext_lazy("last used on"),
    "message": gettext_lazy("message"),
    "message_id": gettext_lazy("message"),
    "message_text": gettext_lazy("text of the message"),
    "note": gettext_lazy("note"),
    "other": gettext_lazy("other person"),
    "params": gettext_lazy("details"),
    "portrait": gettext_lazy("self-portrait"),
    "post": gettext_lazy("post"),
    "removed_at": gettext_lazy("removed on"),
    "reported": gettext_lazy("person reported"),
    "resolved_at": gettext_lazy("resolved on"),
    "responded_at": gettext_lazy("answered on"),
    "round": gettext_lazy("round"),
    "season": gettext_lazy("season"),
    "sector": gettext_lazy("sector"),
    "session": gettext_lazy("session"),
    "since": gettext_lazy("since"),
    "state": gettext_lazy("state"),
    "subject": gettext_lazy("what was agreed to"),
    "table": gettext_lazy("table"),
    "territory": gettext_lazy("territory"),
    "to_user": gettext_lazy("person"),
    "together": gettext_lazy("stay together"),
    "type": gettext_lazy("kind"),
    "updated_at": gettext_lazy("last changed on"),
    "value": gettext_lazy("answer"),
    "withdrawn_at": gettext_lazy("withdrawn on"),
    "wording_version": gettext_lazy("version of the wording"),
}


def field_words(label: str, lookup: str) -> Any:
    """The translatable name of an exported field (a plain string if nobody named it)."""
    model = apps.get_model(label)
    first = lookup.split("__", 1)[0]
    verbose = getattr(model._meta.get_field(first), "verbose_name", first)
    if isinstance(verbose, Promise):
        return verbose
    return FIELD_WORDS.get(first, verbose)  # the model's name is derived from the field's


def _field_label(label: str, lookup: str) -> str:
    return capfirst(str(field_words(label, lookup))) or lookup


def _display(value: Any) -> Any:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return value


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    data = collect_personal_data(_me(request))
    sections = [
        {
            "title": spec.title,
            "section": spec.section,
            "rows": [
                [(_field_label(spec.label, key), _display(value)) for key, value in row.items()]
                for row in data[spec.section]
            ],
        }
        for spec in PERSONAL_MODELS
    ]
    portraits = [
        (portrait, describe_own_portrait(portrait))
        for portrait in Portrait.objects.filter(user=request.user).select_related(
            "territory", "sector", "user"
        )
    ]
    return render(request, "privacy/my_data.html", {"sections": sections, "portraits": portraits})


@login_required
@require_GET
def export_my_data(request: HttpRequest) -> HttpResponse:
    payload = json.dumps(
        export_personal_data(_me(request)), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
    )
    filename = f"tierslien-my-data-{timezone.localdate().isoformat()}.json"
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account_view(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = _me(request)
        logout(request)
        delete_account(user)
        messages.success(request, _("Your account and all your data have been deleted."))
        return redirect("home")
    return render(request, "privacy/delete_account.html", {"form": form})
