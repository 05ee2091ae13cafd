from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.http import HttpRequest

from tierslien.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    # Self-portraits and answers are deliberately absent from the admin: nobody but their
    # owner (and the engine) ever sees them.
    list_display = ["email", "display_name", "language", "is_active", "is_superuser"]
    search_fields = ["email", "display_name"]
    fields = ["email", "display_name", "language", "is_active", "is_staff", "is_superuser"]
    list_filter = ["is_active", "is_superuser", "language"]


# allauth's own admin page shows an authenticator's `data` (the TOTP secret, the
# recovery-code seed) and lets anyone edit it. Ours shows when it was made and last used,
# never its secrets; an administrator may still delete a lost one.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
