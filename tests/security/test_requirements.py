"""Production installs without the test tools; CI and `make test` install the dev file."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV_TOOLS = {"pytest", "pytest-django", "factory-boy", "faker", "playwright", "pytest-playwright", "ruff"}
DEV_TOOLS |= {"time-machine", "icalendar", "hypothesis", "pygments", "iniconfig", "pluggy"}


def _names(path):
    names = set()
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[=<>~!]", line)[0].strip().lower().replace("_", "-"))
    return names


def test_production_requirements_hold_no_test_tools():
    assert not (_names("requirements.txt") & DEV_TOOLS)
    assert not (_names("requirements.in") & DEV_TOOLS)


def test_dev_requirements_include_production_and_the_tools():
    first = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert "-r requirements.txt" in [line.strip() for line in first]
    assert {"pytest", "pytest-django", "ruff", "playwright"} <= _names("requirements-dev.txt")


def test_make_install_uses_dev_requirements():
    makefile = (ROOT / "Makefile").read_text()
    install = makefile.split("\ninstall:")[1].split("\n\n")[0]
    assert "requirements-dev.txt" in install
