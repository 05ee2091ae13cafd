from django.contrib import admin

from tierslien.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    # Self-portraits and answers are deliberately absent from the admin: nobody but their
    # owner (and the engine) ever sees them.
    list_display = ["email", "display_name", "language", "is_active", "is_superuser"]
    search_fields = ["email", "display_name"]
    fields = ["email", "display_name", "language", "is_active", "is_staff", "is_superuser"]
    list_filter = ["is_active", "is_superuser", "language"]
