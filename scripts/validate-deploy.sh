#!/usr/bin/env bash
# Validates what deploy/ and .github/ describe, in seconds, without a cluster or a Docker engine:
#   - Compose: `docker-compose config` (Debian's 1.29) on deploy/compose, with the example
#     secrets; HAProxy's own check of its configuration; no secret written in the Compose file.
#   - Kubernetes: every overlay rendered by Kustomize, every object checked against the
#     Kubernetes schemas (strict), the custom resources by their required fields, references
#     between objects and the secrets policy (scripts/validate_deploy.py); the Argo CD
#     Applications against the overlays they name.
#   - CI: .github/workflows/*.yml against the GitHub workflow schema (check-jsonschema).
#   - Monitoring: deploy/prometheus/alerts.yml by `promtool check rules` and its unit tests
#     (`promtool test rules`); the Grafana dashboard's structure, and its queries by promtool.
# Installs what is missing: docker-compose, haproxy and prometheus (for promtool) from Debian's
# packages, the rest from
# deploy/requirements.txt into .venv-deploy.
#
#   scripts/validate-deploy.sh          (make validate-deploy; a step of make test)
#
# KUBERNETES_VERSION (default 1.32.0) is the API version the objects are checked against.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
VENV="$ROOT/.venv-deploy"
REQ="$ROOT/deploy/requirements.txt"
KUBERNETES_VERSION="${KUBERNETES_VERSION:-1.32.0}"
export DEBIAN_FRONTEND=noninteractive

failed=0
check() {
    local name="$1"
    shift
    printf -- '--- %s\n' "$name"
    if "$@"; then echo "ok: $name"; else echo "FAILED: $name"; failed=1; fi
}

install_debian_packages() {
    local pkgs=()
    command -v docker-compose >/dev/null 2>&1 || pkgs+=(docker-compose)
    command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || pkgs+=(haproxy)
    command -v promtool >/dev/null 2>&1 || pkgs+=(prometheus)
    [ "${#pkgs[@]}" -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -E); fi
    echo "validate-deploy: installing ${pkgs[*]}"
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq
    # Debian's haproxy and prometheus packages start no server without systemd or invoke-rc.d.
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=900 install -y -q "${pkgs[@]}" >/dev/null
}

# The venv is rebuilt only when deploy/requirements.txt or the interpreter changes.
ensure_venv() {
    local want
    want="$( { sha256sum "$REQ" | cut -d' ' -f1; python3 -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
    if [ -f "$VENV/.requirements.sha256" ] && [ "$(cat "$VENV/.requirements.sha256")" = "$want" ] \
        && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
    echo "$want" >"$VENV/.requirements.sha256"
}

compose_config() {
    # The example secrets stand in for secrets/, which only a deployment has.
    (cd deploy/compose && CROUPIER_SECRETS_DIR=./secrets.example docker-compose config --quiet)
}

haproxy_config() {
    # Names of the serve copies resolve only on the Compose network: HAProxy warns and checks
    # everything else.
    local haproxy
    haproxy="$(command -v haproxy || echo /usr/sbin/haproxy)"
    "$haproxy" -c -q -f deploy/compose/haproxy.cfg
}

kubernetes_objects() {
    local overlay rendered=() out
    out="$(mktemp -d)"
    for overlay in deploy/k8s/overlays/*/; do
        overlay="${overlay%/}"
        "$VENV/bin/kubectl" kustomize "$overlay" >"$out/$(basename "$overlay").yaml" || { rm -rf "$out"; return 1; }
        rendered+=("$out/$(basename "$overlay").yaml")
    done
    local status=0
    (cd "$out" && "$VENV/bin/python" "$ROOT/scripts/validate_deploy.py" k8s "$KUBERNETES_VERSION" "${rendered[@]##*/}") || status=1
    rm -rf "$out"
    return "$status"
}

argocd_applications() {
    PATH="$VENV/bin:$PATH" "$VENV/bin/python" scripts/validate_deploy.py argocd "$ROOT" deploy/argocd/*.yaml
}

prometheus_rules() {
    promtool check rules deploy/prometheus/alerts.yml && (cd deploy/prometheus && promtool test rules alerts.test.yml)
}

grafana_dashboard() {
    local rules status=0
    rules="$(mktemp --suffix=.yml)"
    "$VENV/bin/python" scripts/validate_deploy.py grafana deploy/grafana/croupier.json "$rules" && promtool check rules "$rules" || status=1
    rm -f "$rules"
    return "$status"
}

workflows() {
    "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml
}

install_debian_packages
ensure_venv
check "compose: docker-compose config" compose_config
check "compose: haproxy -c" haproxy_config
check "compose: no secret in the file" "$VENV/bin/python" scripts/validate_deploy.py compose deploy/compose/docker-compose.yml
check "kubernetes: overlays against the $KUBERNETES_VERSION schemas" kubernetes_objects
check "argo cd: applications" argocd_applications
check "ci: workflow schema" workflows
check "prometheus: alert rules and their tests" prometheus_rules
check "grafana: dashboard and its queries" grafana_dashboard
if [ "$failed" -ne 0 ]; then
    echo "validate-deploy: FAILED"
    exit 1
fi
echo "validate-deploy: all passed"
