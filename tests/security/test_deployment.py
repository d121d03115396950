"""The README's production section works when followed literally: .env.example loads in a shell
and under systemd, missing settings are reported together, /healthz answers over plain HTTP."""

import re
import shlex
import subprocess
import sys

import pytest

from tests.test_settings_env import PRODUCTION_ENV, ROOT, run_manage

ENV_EXAMPLE = ROOT / ".env.example"


def systemd_environment_file(text):
    """Parse like systemd's EnvironmentFile= (KEY=VALUE lines, # comments, quotes removed)."""
    values = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not KEY=VALUE: {raw!r}"
        key, value = key.strip(), value.strip()
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key), f"bad name for systemd: {key!r}"
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        else:
            assert not re.search(r"\s", value), f"unquoted whitespace breaks a shell: {raw!r}"
        values[key] = value
    return values


def shell_environment(path):
    script = f"set -a; . {shlex.quote(str(path))}; set +a; env -0"
    result = subprocess.run(["bash", "-c", script], capture_output=True, env={}, timeout=30)
    assert result.returncode == 0, result.stderr.decode()
    assert not result.stderr, result.stderr.decode()
    return dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)


def test_env_example_loads_identically_in_a_shell_and_in_systemd():
    systemd = systemd_environment_file(ENV_EXAMPLE.read_text())
    shell = shell_environment(ENV_EXAMPLE)
    assert systemd, "no variables parsed"
    for key, value in systemd.items():
        assert shell.get(key) == value, key
    assert systemd["DEFAULT_FROM_EMAIL"] == "党支部标准化平台 <noreply@example.gov.cn>"


def test_env_example_lists_every_setting_read_from_the_environment():
    settings_text = (ROOT / "branchportal" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', settings_text))
    listed = set(systemd_environment_file(ENV_EXAMPLE.read_text()))
    assert read - listed == set()


def test_env_example_with_a_secret_key_passes_the_deploy_check():
    env = systemd_environment_file(ENV_EXAMPLE.read_text())
    env = {k: v for k, v in env.items() if v != ""}
    env["SECRET_KEY"] = PRODUCTION_ENV["SECRET_KEY"]
    env["DJANGO_SETTINGS_MODULE"] = "branchportal.settings"
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_all_missing_settings_are_reported_at_once():
    result = run_manage("check", env={"DJANGO_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "branchportal.settings"})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert name in last


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https_but_pages_are(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.django_db
def test_forwarded_proto_from_the_proxy_counts_as_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_production_settings_exempt_healthz():
    code = "from django.conf import settings; print(settings.SECURE_REDIRECT_EXEMPT, settings.SECURE_SSL_REDIRECT)"
    env = {k: v for k, v in PRODUCTION_ENV.items()}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "healthz" in result.stdout and "True" in result.stdout, result.stderr


def test_make_run_honours_port():
    result = subprocess.run(["make", "-n", "run", "PORT=9123"], cwd=ROOT, capture_output=True, text=True)
    assert "runserver 127.0.0.1:9123" in result.stdout


@pytest.mark.django_db
def test_create_admin_on_an_empty_installation(client, monkeypatch):
    from django.core.management import call_command

    from branches import permissions
    from branches.models import Organization, User

    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", "First-admin-pass-77")
    call_command(
        "create_admin",
        "--username",
        "alice",
        "--email",
        "alice@example.gov.cn",
        stdout=open("/dev/null", "w"),
    )
    user = User.objects.get(username="alice")
    root = Organization.objects.get(parent=None)
    assert user.is_superuser and permissions.is_admin(user)
    assert user.role_assignments.filter(role="admin", organization=root).exists()
    response = client.post("/accounts/login/", {"username": "alice", "password": "First-admin-pass-77"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    # running it again promotes instead of failing, and keeps one root
    call_command("create_admin", "--username", "alice", stdout=open("/dev/null", "w"))
    assert Organization.objects.filter(parent=None).count() == 1
