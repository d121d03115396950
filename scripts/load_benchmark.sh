#!/usr/bin/env bash
# Load benchmark (see scripts/load_benchmark.py --help): gunicorn on a copy of the province
# data, locust headless for a fixed time, then the per-page table.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/load_benchmark.py "$@"
