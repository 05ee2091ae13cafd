from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tierslien.accounts.consent import current_terms_version
from tierslien.accounts.forms import AcceptTermsForm, ProfileForm
from tierslien.accounts.services import accept_terms, must_accept_terms, update_profile


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            update_profile(
                user,
                display_name=form.cleaned_data["display_name"],
                language=form.cleaned_data["language"],
            )
            messages.success(request, _("Your profile has been saved."))
            return redirect("profile")
    else:
        form = ProfileForm(initial={"display_name": user.display_name, "language": user.language})
    return render(request, "accounts/profile.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def terms_accept(request: HttpRequest) -> HttpResponse:
    """Accept the current version of the terms (asked by a banner after they change)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        form = AcceptTermsForm(request.POST)
        if form.is_valid():
            accept_terms(request.user)
            messages.success(request, _("Thank you: your acceptance has been recorded."))
            return redirect(next_url or "home")
    else:
        form = AcceptTermsForm()
    return render(
        request,
        "accounts/terms_accept.html",
        {
            "form": form,
            "next": next_url,
            "already": not must_accept_terms(request.user),
            "terms_version": current_terms_version(),
        },
    )
