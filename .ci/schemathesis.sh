#!/usr/bin/env bash
# Contract fuzzing (QUALITY.md item 10): schemathesis against assets/openapi.yaml, once per role
# token, on a fresh demo database. Needs only python3 (with venv/pip) and the network to PyPI;
# if schemathesis cannot be installed the step FAILS (it is never skipped).
#
#   .ci/schemathesis.sh            # from the repository root or anywhere
#   ST_MAX_EXAMPLES=50 .ci/schemathesis.sh
#
# PostgreSQL (.ci/run turns it on): with
# PC_SCHEMATHESIS_PG=1 and PC_TEST_POSTGRES set (an admin URL such as
# postgres://pc@127.0.0.1:PORT/postgres, as `scripts/pg-test-cluster start DIR` prints and
# .ci/run exports), the same runs are made a second time against a server on a fresh database
# of that cluster. PC_SCHEMATHESIS_PG=1 without PC_TEST_POSTGRES fails; it is never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
CONSTRAINTS=.ci/schemathesis-constraints.txt   # its dependencies, pinned too
VENV=${ST_VENV:-target/ci-venv}
case $VENV in /*) ;; *) VENV=$ROOT/$VENV ;; esac
SEED=${ST_SEED:-20261122}
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-25}

fail() { printf 'schemathesis.sh: FAILED: %s\n' "$*" >&2; exit 1; }

# ---- schemathesis, pinned, in a venv under target/ ----------------------------------------
command -v python3 >/dev/null || fail "python3 is not installed"
STAMP="$VENV/.installed"   # what the venv was made from; any change makes it anew
WANT="schemathesis==$SCHEMATHESIS_VERSION $(cksum <"$CONSTRAINTS")"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ] || ! "$VENV/bin/schemathesis" --version >/dev/null 2>&1; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" || fail "python3 -m venv $VENV (is the python3 venv module installed?)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
        --retries 2 --timeout 30 \
        --constraint "$CONSTRAINTS" "schemathesis==$SCHEMATHESIS_VERSION" ||
        fail "pip install schemathesis==$SCHEMATHESIS_VERSION failed (no network to PyPI?)"
    printf '%s\n' "$WANT" >"$STAMP"
fi
"$VENV/bin/schemathesis" --version

# ---- the server, on a fresh demo database ------------------------------------------------
cargo build --locked --quiet
BIN="${CARGO_TARGET_DIR:-target}/debug/partner-console"
[ -x "$BIN" ] || fail "$BIN was not built"

case ${PC_SCHEMATHESIS_PG:-0} in
0 | '') PG_RUN=0 ;;
1)
    PG_RUN=1
    [ -n "${PC_TEST_POSTGRES:-}" ] ||
        fail "PC_SCHEMATHESIS_PG=1 needs PC_TEST_POSTGRES (an admin URL: scripts/pg-test-cluster start DIR prints one)"
    command -v psql >/dev/null || fail "PC_SCHEMATHESIS_PG=1 needs psql (Debian: postgresql-client)"
    ;;
*) fail "PC_SCHEMATHESIS_PG is 0 or 1, not '$PC_SCHEMATHESIS_PG'" ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/partner-console-st.XXXXXX")
SERVER_PID=
PG_DB= # the PostgreSQL database made for the run, dropped on exit
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
cleanup() {
    stop_server
    if [ -n "$PG_DB" ]; then
        psql -X -q -d "$PC_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

status=0

# One backend: start `serve --db DB` on demo data, then one schemathesis run per token.
# NAME labels the logs and reports ("" for SQLite, whose report names stay as they were).
contract_runs() {
    local name=$1 db=$2 tag=${1:+$1-}
    local out="$WORK/${tag}server.out" log="$WORK/${tag}server.log"

    NO_COLOR=1 "$BIN" serve --listen 127.0.0.1:0 --db "$db" --seed demo >"$out" 2>"$log" &
    SERVER_PID=$!

    # The first stdout line is "listening on http://127.0.0.1:PORT".
    URL=
    for _ in $(seq 1 300); do
        if [ -s "$out" ]; then
            URL=$(head -n1 "$out" | sed -n 's/^listening on \(http:[^ ]*\)$/\1/p')
            [ -n "$URL" ] && break
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "the server${name:+ ($name)} exited"; }
        sleep 0.1
    done
    [ -n "$URL" ] || { cat "$log" >&2; fail "the server${name:+ ($name)} did not print its address"; }
    echo "server${name:+ ($name)}: $URL (db $db)"

    # An impersonation token (role partner_owner) reaches the /partner/... endpoints (the
    # partner's own view, and its requests: GET and POST /partner/requests), which every staff
    # token only sees as 403; make one with the CSR token.
    IMPERSONATION_TOKEN=$("$VENV/bin/python" - "$URL/api/v1/partners/pt_001/impersonations" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(
    sys.argv[1],
    data=json.dumps({"reason": "schemathesis contract run"}).encode(),
    headers={"Authorization": "Bearer demo-csr", "Content-Type": "application/json"},
    method="POST",
)
with urllib.request.urlopen(req, timeout=10) as res:
    print(json.load(res)["token"])
PY
    ) || fail "could not start an impersonation for the partner_owner run${name:+ ($name)}"

    # Every operation, `/events` included (an endless stream: .ci/schemathesis.toml bounds how
    # long each response is read). Positive and negative data, all checks, one worker so the
    # database mutations (approve, reject, impersonations) happen in the same order on every run.
    local token label
    for token in demo-admin demo-csr demo-viewer "$IMPERSONATION_TOKEN"; do
        case "$token" in imp_*) label=partner_owner ;; *) label=$token ;; esac
        printf '\n--- schemathesis as %s%s\n' "$label" "${name:+ ($name)}"
        # Run from the scratch directory: whatever schemathesis or hypothesis leave behind goes
        # with it.
        if ! (cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$ROOT/.ci/schemathesis.toml" \
            run "$ROOT/assets/openapi.yaml" \
            --url "$URL/api/v1" \
            --header "Authorization: Bearer $token" \
            --checks all \
            --mode all \
            --max-examples "$MAX_EXAMPLES" \
            --seed "$SEED" \
            --generation-database none \
            --workers 1 \
            --request-timeout 10 \
            --max-response-time 5 \
            --no-color \
            --report junit --report-junit-path "$ROOT/target/schemathesis-$tag$label.xml"); then
            status=1
            printf 'schemathesis as %s%s: FAILED\n' "$label" "${name:+ ($name)}"
        fi
    done

    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        cat "$log" >&2
        fail "the server${name:+ ($name)} died during the run"
    fi
    if grep -q ' ERROR ' "$log"; then
        grep ' ERROR ' "$log" >&2
        fail "the server${name:+ ($name)} logged errors"
    fi
    stop_server
}

# ---- SQLite: the file database -----------------------------------------------------------
contract_runs "" "$WORK/st.db"

# ---- PostgreSQL: a fresh database on PC_TEST_POSTGRES's cluster (PC_SCHEMATHESIS_PG=1) ----
# Off by default until `serve --db postgres://...` is implemented; .ci/run will then set
# PC_SCHEMATHESIS_PG=1 (it already exports PC_TEST_POSTGRES for the cargo tests).
if [ "$PG_RUN" = 1 ]; then
    PG_DB="pc_schemathesis_$$_$(date +%s)"
    psql -X -q -v ON_ERROR_STOP=1 -d "$PC_TEST_POSTGRES" -c "CREATE DATABASE \"$PG_DB\"" ||
        fail "could not create the database $PG_DB on PC_TEST_POSTGRES"
    # The same server and role as the admin URL, another database: ...:PORT/postgres -> .../$PG_DB
    # (a query string, if any, is kept). A password, if the cluster needs one, comes from
    # PGPASSWORD or ~/.pgpass, never from the URL.
    PG_BASE=${PC_TEST_POSTGRES%%\?*}
    PG_QUERY=${PC_TEST_POSTGRES#"$PG_BASE"}
    contract_runs pg "${PG_BASE%/*}/$PG_DB$PG_QUERY"
fi

[ "$status" -eq 0 ] || fail "schemathesis found failures (see above)"
echo "schemathesis: all runs passed"
