import ast
import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_models_have_no_pending_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # raised when a migration would be written
        pytest.fail(f"Missing migrations:\n{out.getvalue()}" if exc.code else "")


def _imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_data_migrations_import_no_application_code():
    """A data migration that imports app code replays differently once that code changes."""
    project_packages = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if (settings.BASE_DIR / config.name.split(".")[0]).is_dir()
    }
    data_migrations = [
        path
        for path in sorted(settings.BASE_DIR.glob("*/migrations/0*.py"))
        if "RunPython" in path.read_text(encoding="utf-8")
    ]
    assert data_migrations, "expected at least the default-edition data migration"
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)} imports {module}"
        for path in data_migrations
        for module in _imported_modules(path)
        if module.split(".")[0] in project_packages
    ]
    assert offenders == []


@pytest.mark.django_db
def test_the_frozen_default_edition_loads_six_dimensions_of_100_points():
    from django.db.models import Sum

    from assessments.models import Edition

    frozen = importlib.import_module("assessments.migrations.0002_default_edition")
    Edition.objects.all().delete()  # transactional tests elsewhere may have flushed it anyway
    frozen.load_default(apps, schema_editor=None)
    edition = Edition.objects.get(name=frozen.NAME)
    assert edition.status == Edition.Status.PUBLISHED
    assert edition.dimensions.count() == 6
    assert edition.items.aggregate(total=Sum("points"))["total"] == 100
    frozen.load_default(apps, schema_editor=None)  # a second run adds nothing
    assert Edition.objects.count() == 1
