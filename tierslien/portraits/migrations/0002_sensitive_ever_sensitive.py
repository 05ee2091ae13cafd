"""Criterion.ever_sensitive (never cleared), and sensitive questions mixed on only.

A sensitive question can no longer be a "shared" criterion (members must have the
same answer): that made circles of people who all answered alike. Existing ones
become "diverse".
"""

from django.db import migrations, models


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Criterion = apps.get_model("portraits", "Criterion")
    Criterion.objects.filter(sensitive=True).update(ever_sensitive=True, goal="diverse")


class Migration(migrations.Migration):
    dependencies = [("portraits", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="criterion",
            name="ever_sensitive",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
