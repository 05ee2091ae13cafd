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
from django.utils.translation import gettext as _
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


def _field_label(label: str, lookup: str) -> str:
    model = apps.get_model(label)
    first = lookup.split("__", 1)[0]
    verbose = str(getattr(model._meta.get_field(first), "verbose_name", first))
    return verbose[:1].upper() + verbose[1:]


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
