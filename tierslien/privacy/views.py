from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


@login_required
def export_my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")
