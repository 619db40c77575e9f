#!/usr/bin/env bash
# Contract fuzzing (QUALITY.md item 10): schemathesis against assets/openapi.yaml, once per role
# token, on a fresh demo database. Needs only python3 (with venv/pip) and the network to PyPI;
# if schemathesis cannot be installed the step FAILS (it is never skipped).
#
#   .ci/schemathesis.sh            # from the repository root or anywhere
#   ST_MAX_EXAMPLES=50 .ci/schemathesis.sh
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

WORK=$(mktemp -d "${TMPDIR:-/tmp}/partner-console-st.XXXXXX")
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NO_COLOR=1 "$BIN" serve --listen 127.0.0.1:0 --db "$WORK/st.db" --seed demo \
    >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!

# The first stdout line is "listening on http://127.0.0.1:PORT".
URL=
for _ in $(seq 1 300); do
    if [ -s "$WORK/server.out" ]; then
        URL=$(head -n1 "$WORK/server.out" | sed -n 's/^listening on \(http:[^ ]*\)$/\1/p')
        [ -n "$URL" ] && break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; fail "the server exited"; }
    sleep 0.1
done
[ -n "$URL" ] || { cat "$WORK/server.log" >&2; fail "the server did not print its address"; }
echo "server: $URL (db $WORK/st.db)"

# ---- one run per token -------------------------------------------------------------------
# An impersonation token (role partner_owner) reaches the /partner/... endpoints (the partner's
# own view, and its requests: GET and POST /partner/requests), which every staff token only
# sees as 403; make one with the CSR token.
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
) || fail "could not start an impersonation for the partner_owner run"

# Every operation, `/events` included (an endless stream: .ci/schemathesis.toml bounds how long
# each response is read). Positive and negative data, all checks, one worker so the database
# mutations (approve, reject, impersonations) happen in the same order on every run.
status=0
for token in demo-admin demo-csr demo-viewer "$IMPERSONATION_TOKEN"; do
    case "$token" in imp_*) label=partner_owner ;; *) label=$token ;; esac
    printf '\n--- schemathesis as %s\n' "$label"
    # Run from the scratch directory: whatever schemathesis or hypothesis leave behind goes with it.
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
        --report junit --report-junit-path "$ROOT/target/schemathesis-$label.xml"); then
        status=1
        printf 'schemathesis as %s: FAILED\n' "$label"
    fi
done

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    cat "$WORK/server.log" >&2
    fail "the server died during the run"
fi
if grep -q ' ERROR ' "$WORK/server.log"; then
    grep ' ERROR ' "$WORK/server.log" >&2
    fail "the server logged errors"
fi
[ "$status" -eq 0 ] || fail "schemathesis found failures (see above)"
echo "schemathesis: all runs passed"
