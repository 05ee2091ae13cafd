from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tierslien.accounts.forms import ProfileForm
from tierslien.accounts.services import update_profile


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            update_profile(
                user,  # type: ignore[arg-type]
                display_name=form.cleaned_data["display_name"],
                language=form.cleaned_data["language"],
            )
            messages.success(request, _("Your profile has been saved."))
            return redirect("profile")
    else:
        form = ProfileForm(initial={"display_name": user.display_name, "language": user.language})
    return render(request, "accounts/profile.html", {"form": form})
