"""Keep on each user the version of the terms they accepted last, from their consents."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def copy_from_consents(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    Consent = apps.get_model("accounts", "Consent")
    latest: dict[int, str] = {}
    for user_id, version in Consent.objects.filter(
        subject="terms", withdrawn_at=None
    ).order_by("given_at", "id").values_list("user_id", "wording_version"):
        latest[user_id] = version
    for user_id, version in latest.items():
        User.objects.filter(pk=user_id).update(accepted_terms_version=version)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="accepted_terms_version",
            field=models.CharField(
                blank=True, default="", max_length=20, verbose_name="accepted terms version"
            ),
        ),
        migrations.RunPython(copy_from_consents, migrations.RunPython.noop),
    ]
