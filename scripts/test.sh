#!/usr/bin/env bash
# make test: DATABASE_URL when set, else PostgreSQL on 127.0.0.1:5432 when it
# answers, else SQLite; then ruff, the migrations check, mypy and the whole
# pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ]; then
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal"
  fi
fi
if [ -n "${DATABASE_URL:-}" ]; then echo "测试数据库：${DATABASE_URL}"; else echo "测试数据库：SQLite（未找到 PostgreSQL）"; fi
if [ -z "${CELERY_BROKER_URL:-}" ] && command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  export CELERY_BROKER_URL="redis://127.0.0.1:6379/14"
fi
if [ -n "${CELERY_BROKER_URL:-}" ]; then echo "消息队列：${CELERY_BROKER_URL}"; else echo "消息队列：未设置（真实 worker 的测试将跳过）"; fi
scripts/ensure-browser.sh || echo "警告：未能安装 Chromium，浏览器测试将无法运行。"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
DEBUG=1 .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null || {
  echo "模型有改动但缺少迁移文件（manage.py makemigrations）。"; exit 1; }
# Types of every app's services and selectors (files and strict list: [tool.mypy] in pyproject.toml).
DEBUG=1 .venv/bin/mypy || { echo "类型检查未通过（mypy，见 CONTRIBUTING.md）。"; exit 1; }
# Two xdist workers by default (PYTEST_WORKERS=0: one process); tests sharing a live portal or the Celery queue stay on one worker (tests/conftest.py).
WORKERS="${PYTEST_WORKERS:-2}"
if [ "$WORKERS" = "0" ]; then exec .venv/bin/pytest "$@"; fi
exec .venv/bin/pytest -n "$WORKERS" --dist loadgroup "$@"
