"""GIN indexes over the bigram token text of FAQs and experiences (PostgreSQL only; SQLite
searches with icontains). The expressions match the ones assessments.guidance.search queries."""

from django.db import migrations

INDEXES = [
    ("faq_search_gin", "assessments_faq"),
    ("experience_search_gin", "assessments_experience"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            "USING gin (to_tsvector('simple'::regconfig, search_tokens))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [('assessments', '0005_designations_and_guidance')]
    operations = [migrations.RunPython(create, drop)]
