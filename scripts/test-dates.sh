#!/usr/bin/env bash
# make test-dates: the date-sensitive tests (marker `dates`) at other stated
# dates than the suite's own (tests/clock.py): a year's first morning and a
# leap day's afternoon. Same database and broker choice as scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ] && command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/portal"
fi
WORKERS="${PYTEST_WORKERS:-2}"
args=(-m "dates and not celery_worker and not e2e" -q -p no:cacheprovider)
[ "$WORKERS" = "0" ] || args+=(-n "$WORKERS" --dist loadgroup)
IFS='|' read -r -a dates <<<"${PORTAL_TEST_DATES:-2027-01-01 09:00|2028-02-29 16:00}"
for when in "${dates[@]}"; do
  echo "日期相关的测试，时间设为 ${when}"
  PORTAL_TEST_NOW="$when" .venv/bin/pytest "${args[@]}" "$@"
done
