#!/usr/bin/env bash
# The one test command (`npm test`): sets up what is missing on a fresh machine, then runs every test —
# typecheck, unit + integration (vitest, real Postgres and Redis), the production build, and the e2e suite
# (Playwright driving Debian Chromium against `next start` and a real worker) — and prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 NO_COLOR=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
export TEST_DB_NAME="${TEST_DB_NAME:-statehouse_test}"
export DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/${TEST_DB_NAME}}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
export E2E_PORT="${E2E_PORT:-3100}"
export STATEHOUSE_REDIS_PREFIX="e2e-$$"
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "system packages"
need=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium fonts-liberation)
command -v psql >/dev/null || need+=(postgresql postgresql-client)
command -v redis-server >/dev/null || need+=(redis-server)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
  else
    echo "missing: ${need[*]} — install them with: sudo apt-get install -y ${need[*]}"; exit 1
  fi
fi

step "services"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  ver=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
for _ in $(seq 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
# A fresh test database every run: no schema left over from an earlier, interrupted run.
psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS \"${TEST_DB_NAME}\" WITH (FORCE)" -c "CREATE DATABASE \"${TEST_DB_NAME}\"" 2>&1 | grep -v NOTICE || true

step "dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi

step "migrations"
# e2e uses the public schema of the test database; every vitest file makes a schema of its own.
npm run -s db:deploy

mkdir -p .ci-results   # not test-results/: Playwright wipes that (stack.md P20)
rm -f .ci-results/*.json
status=0

step "lint + typecheck"
npm run -s lint || { echo "lint/typecheck FAILED"; status=1; }

step "unit + integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=.ci-results/vitest.json || status=1

step "production build"
npx next build || status=1

step "end-to-end tests (Playwright + Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME=.ci-results/playwright.json npx playwright test --reporter=list,json || status=1

step "the demo (npm run demo -- --check: the built app, a database of its own, the playground habit)"
# Ports of its own beside any running demo; the seeded module's playground ports 8090/8091 must be free.
demo_db="${TEST_DB_NAME}_demo"
if DATABASE_URL="postgresql://postgres@127.0.0.1:5432/${demo_db}" STATEHOUSE_REDIS_PREFIX="${STATEHOUSE_REDIS_PREFIX}-demo" \
   PORT=3199 INGRESS_PORT=8180 WORKER_HEALTH_PORT=9466 STATEHOUSE_DEMO_FUNCTIONS_URL=http://127.0.0.1:8100/statefun \
   timeout 300 node scripts/demo.mjs --check > .ci-results/demo.log 2>&1; then
  grep -E "^demo ok" .ci-results/demo.log; echo '{"ok":true}' > .ci-results/demo.json
else
  tail -40 .ci-results/demo.log; echo "demo check FAILED"; echo '{"ok":false}' > .ci-results/demo.json; status=1
fi
psql -h 127.0.0.1 -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS \"${demo_db}\" WITH (FORCE)" 2>&1 | grep -v NOTICE || true

step "summary"
node scripts/test-summary.mjs .ci-results/vitest.json .ci-results/playwright.json .ci-results/demo.json || status=1
# The e2e servers' data plane lives under this run's prefix (every vitest file removes its own): leave no keys behind.
for p in "${STATEHOUSE_REDIS_PREFIX}" "${STATEHOUSE_REDIS_PREFIX}-demo"; do
  # one key per line; names may hold spaces, so split on newlines only
  redis-cli -u "$REDIS_URL" --scan --pattern "${p}:*" | tr '\n' '\0' | xargs -0 -r -n 1000 redis-cli -u "$REDIS_URL" del >/dev/null || true
done
exit $status
