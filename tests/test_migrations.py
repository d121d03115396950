from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_have_no_pending_migrations():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # raised when a migration would be written
        pytest.fail(f"Missing migrations:\n{out.getvalue()}" if exc.code else "")
