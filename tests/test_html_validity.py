"""The Nu HTML checker (vnu.jar, the W3C validator) finds no errors on the pages each demo
persona reaches from the home page (crawled with the test client, GET only).

Needs java and ``npm ci`` (package.json: vnu-jar); the jar may also be given as VNU_JAR. In CI
(CI=true) a missing java or jar fails the test; locally it is skipped with a notice.
"""

import json
import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from branches.models import User

from .crawl import DEMO_PERSONAS, crawl

pytestmark = [pytest.mark.html, pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[1]
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"))


def nu_errors(files):
    """{file name: [messages]} of the checker's errors (warnings ignored)."""
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = {}
    for message in report["messages"]:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            name = Path(message.get("url", "")).name
            errors.setdefault(name, []).append(f"line {message.get('lastLine')}: {message['message']}")
    return errors


def test_pages_of_every_demo_persona_have_no_nu_html_errors(client, tmp_path):
    missing = [
        name
        for name, ok in (("java", shutil.which("java")), (f"{VNU_JAR} (npm ci)", VNU_JAR.exists()))
        if not ok
    ]
    if missing and os.environ.get("CI") == "true":
        pytest.fail("Nu HTML checker needs " + ", ".join(missing))
    if missing:
        pytest.skip("Nu HTML checker needs " + ", ".join(missing))
    call_command("seed_demo", stdout=StringIO())
    pages = {}
    for username in DEMO_PERSONAS:
        client.force_login(User.objects.get(username=username))

        def keep(url, response, _writes, username=username):
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                name = (
                    f"{username}{url}".replace("/", "_").replace("?", "_").replace("&", "_")[:150] + ".html"
                )
                (tmp_path / name).write_bytes(response.content)
                pages[name] = f"{username} {url}"

        crawl(client, per_view=1, limit=120, on_page=keep)
        client.logout()
    assert len(pages) > 60
    errors = nu_errors(sorted(tmp_path.glob("*.html")))
    report = {pages.get(name, name): messages[:5] for name, messages in errors.items()}
    assert report == {}, json.dumps(report, ensure_ascii=False, indent=1)
