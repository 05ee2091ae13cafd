from __future__ import annotations

import json

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
from tierslien.privacy.display import question_keys, readable_row, words_for
from tierslien.privacy.forms import DeleteAccountForm
from tierslien.privacy.registry import PERSONAL_MODELS
from tierslien.privacy.services import collect_personal_data, delete_account, export_personal_data


def _me(request: HttpRequest) -> User:
    # The only protected object here is the signed-in person themself.
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    data = collect_personal_data(_me(request))
    words = words_for(question_keys(data))
    sections = []
    empty = []
    for spec in PERSONAL_MODELS:
        rows = [readable_row(spec, row, words) for row in data[spec.section]]
        if rows:
            sections.append({"title": spec.title, "section": spec.section, "rows": rows})
        else:
            empty.append(str(spec.title))
    portraits = [
        (portrait, describe_own_portrait(portrait))
        for portrait in Portrait.objects.filter(user=request.user).select_related(
            "territory", "sector", "user"
        )
    ]
    return render(
        request,
        "privacy/my_data.html",
        {"sections": sections, "empty": empty, "portraits": portraits},
    )


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
