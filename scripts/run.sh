#!/usr/bin/env bash
# make run: the portal on http://127.0.0.1:8000/ with the demo street.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
PY=.venv/bin/python
if [ -n "${DATABASE_URL:-}" ]; then echo "数据库：$DATABASE_URL"; else echo "数据库：SQLite（var/portal.sqlite3）"; fi
$PY manage.py migrate --noinput
$PY manage.py seed_demo --if-empty ${DEMO_PASSWORD:+--password "$DEMO_PASSWORD"}
[ -f var/demo-logins.txt ] && cat var/demo-logins.txt
echo "门户地址：http://127.0.0.1:8000/"
if [ -n "${DATABASE_URL:-}" ] && [ -n "${CELERY_BROKER_URL:-}" ]; then
  echo "使用 Celery：worker 与 beat 随 Web 一起启动（honcho）。"
  exec .venv/bin/honcho start -f Procfile.dev
fi
echo "未设置 CELERY_BROKER_URL：任务在 Web 进程内执行。"
exec $PY manage.py runserver 127.0.0.1:8000
