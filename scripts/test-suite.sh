#!/usr/bin/env bash
# shellcheck disable=SC2317 # the functions below are called through step()
# The whole suite, as `make test` and CI run it: services, the e2e venv, lint, the deployment
# manifests' checks, the Swift tests and the browser tests. Each runner runs even when an earlier one failed, so one failure never hides
# another; at the end every step is listed with its duration and the runners' summary lines,
# and the script fails if any step failed. With CI=true a failure also prints every log's tail.
#
#   scripts/test-suite.sh
#
# SWIFT_FLAGS and PYTEST_ARGS pass extra flags to swift and pytest (as in the Makefile).
# Each runner's whole output is also kept in .local/log/test-<runner>.log. A runner still going
# after its bound is diagnosed and stopped by scripts/bounded.sh, so a hang fails the run inside
# CI's limit: HANG_BOUND seconds for the Swift tests (default 1200; they take ~270 on a quiet
# machine of this kind), E2E_HANG_BOUND for the browser tests (default 1800; ~950 quiet, and a
# single test that hangs already fails after pytest.ini's per-test timeout).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT" || exit 1
LOGDIR="$ROOT/.local/log"
SWIFT_FLAGS="${SWIFT_FLAGS:-}"
PYTEST_ARGS="${PYTEST_ARGS:-}"
HANG_BOUND="${HANG_BOUND:-1200}"
E2E_HANG_BOUND="${E2E_HANG_BOUND:-1800}"

declare -a STEP_NAMES=() STEP_RESULTS=() STEP_SECONDS=() SUMMARIES=()
failed=0

# Runs one step, recording its name, duration and outcome. `required` steps stop the run when
# they fail (nothing after them can work); runners do not.
step() {
    local kind="$1" name="$2"
    shift 2
    local started=$SECONDS
    printf '\n==> %s\n' "$name"
    "$@"
    local status=$?
    STEP_NAMES+=("$name")
    STEP_SECONDS+=($((SECONDS - started)))
    if [ "$status" -eq 0 ]; then
        STEP_RESULTS+=("ok")
    else
        STEP_RESULTS+=("FAILED (exit $status)")
        failed=1
        if [ "$kind" = required ]; then
            report
            exit 1
        fi
    fi
    return 0
}

# Runs a test runner with its output shown and kept, then records its closing summary line.
runner() {
    local log="$1" pattern="$2"
    shift 2
    mkdir -p "$LOGDIR"
    "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local summary
    summary="$(grep -E "$pattern" "$log" | tail -n 1)"
    SUMMARIES+=("${summary:-(no summary line: see $log)}")
    return "$status"
}

swift_tests() {
    # shellcheck disable=SC1091 # written by scripts/services.sh start
    source .local/env
    # Line-buffered (stdbuf): into a pipe the tests' output is written in blocks, and a hang's
    # log then stopped mid-line minutes before the hang, so its list of unfinished tests was wrong.
    # shellcheck disable=SC2086 # SWIFT_FLAGS holds several flags
    runner "$LOGDIR/test-swift.log" 'Test run with [0-9]+ tests? .*(passed|failed)' \
        scripts/bounded.sh "$HANG_BOUND" "$LOGDIR/test-swift.log" -- stdbuf -oL -eL swift test $SWIFT_FLAGS
}

# The checked-in .swift-format, shellcheck and table ownership; a finding fails the step, not the run.
lint() {
    local status=0
    swift format lint --strict --recursive Package.swift Sources Tests || status=1
    shellcheck -x scripts/*.sh bench/*.sh bench/*/*.sh .ci/run || status=1
    scripts/check-table-ownership.sh || status=1
    return "$status"
}

browser_tests() {
    # shellcheck disable=SC2086 # PYTEST_ARGS holds several flags
    runner "$LOGDIR/test-e2e.log" '^=+ .*([0-9]+ (passed|failed|error)).* in [0-9.]+s' \
        scripts/bounded.sh "$E2E_HANG_BOUND" "$LOGDIR/test-e2e.log" -- .venv/bin/python -m pytest e2e $PYTEST_ARGS
}

report() {
    printf '\n==> summary\n'
    local i
    for i in "${!STEP_NAMES[@]}"; do
        printf '  %-34s %6ss  %s\n' "${STEP_NAMES[$i]}" "${STEP_SECONDS[$i]}" "${STEP_RESULTS[$i]}"
    done
    for i in "${!SUMMARIES[@]}"; do
        printf '  %s\n' "${SUMMARIES[$i]}"
    done
    printf '  total %ss\n' "$SECONDS"
    if [ "$failed" -ne 0 ]; then
        echo "make test: FAILED" >&2
        if [ "${CI:-}" = "true" ]; then make --no-print-directory logs >&2 || true; fi
    fi
}

# shellcheck disable=SC2086 # SWIFT_FLAGS holds several flags
{
    step required "install services" scripts/services.sh install
    step required "start services" scripts/services.sh start
    step required "browser-test venv" scripts/e2e-venv.sh
    step required "build (tests)" swift build $SWIFT_FLAGS --build-tests
    step required "build (croupier)" swift build $SWIFT_FLAGS --product croupier
    step runner "lint (swift format, shellcheck)" lint
    step runner "deploy manifests (validate-deploy)" scripts/validate-deploy.sh
    step runner "swift test" swift_tests
    step runner "browser tests (pytest e2e)" browser_tests
}
report
exit "$failed"
