from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language as django_set_language

from tierslien.accounts.consent import current_terms_version
from tierslien.accounts.forms import AcceptTermsForm, ProfileForm
from tierslien.accounts.language import is_known, speak
from tierslien.accounts.models import User
from tierslien.accounts.services import (
    accept_terms,
    change_language,
    must_accept_terms,
    update_profile,
)
from tierslien.lib.http import safe_next

# Said in the language just chosen (whole sentences: a language's name is not capitalised
# alike in French and English).
LANGUAGE_CHANGED = {
    "en": gettext_lazy("Language changed: pages and emails are now in English."),
    "fr": gettext_lazy("Language changed: pages and emails are now in French."),
}


def language_changed(request: HttpRequest, code: str) -> None:
    """Switch to `code` now and say so in it (the message and the next page agree)."""
    speak(request, code)
    messages.success(request, str(LANGUAGE_CHANGED[code]))


@require_http_methods(["GET", "POST"])
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switch: Django's (the cookie, back to the page, translated),
    and for a signed-in person their stored language too (otherwise it would win again
    on the next page), said in the new language."""
    response = django_set_language(request)
    code = request.POST.get("language") if request.method == "POST" else None
    user = request.user
    if is_known(code) and isinstance(user, User) and user.is_authenticated:
        assert isinstance(code, str)
        if change_language(user, code):
            language_changed(request, code)
    return response


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            language = form.cleaned_data["language"]
            update_profile(user, display_name=form.cleaned_data["display_name"], language=language)
            speak(request, language)  # the message in the language of the next page
            messages.success(request, _("Your profile has been saved."))
            return redirect("profile")
    else:
        form = ProfileForm(initial={"display_name": user.display_name, "language": user.language})
    return render(request, "accounts/profile.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def terms_accept(request: HttpRequest) -> HttpResponse:
    """Accept the current version of the terms (asked by a banner after they change)."""
    next_url = safe_next(request)
    if request.method == "POST":
        form = AcceptTermsForm(request.POST)
        if form.is_valid():
            accept_terms(request.user)
            messages.success(request, _("Thank you: your acceptance has been recorded."))
            return HttpResponseRedirect(next_url) if next_url else redirect("home")
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
