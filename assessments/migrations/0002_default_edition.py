"""Data migration: load the default edition (six dimensions, 100 points) on a fresh install."""

from django.db import migrations


def load_default(apps, schema_editor):
    from assessments import default_edition  # plain data, no application models

    default_edition.load(
        apps.get_model("assessments", "Edition"), apps.get_model("assessments", "Dimension"),
        apps.get_model("assessments", "Item"), apps.get_model("assessments", "Tier"),
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(load_default, migrations.RunPython.noop)]
