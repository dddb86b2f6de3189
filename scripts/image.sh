#!/usr/bin/env bash
# Builds the croupier image (Containerfile) with podman, from Debian's packages only:
#
#   scripts/image.sh build    (make image) the two base images if missing, then the image
#   scripts/image.sh smoke    runs the image's croupier from its root filesystem (containers
#                             cannot run on this sandbox) against the local services and asks
#                             /health/live and /health/ready
#
# Needs root (podman with the vfs driver and chroot isolation, which work without a container
# runtime). IMAGE (default localhost/croupier:latest) names the result; SWIFT_TOOLCHAIN (default
# /opt/swift) is mounted into the build stage; SWIFTPM_MIRROR (default /opt/swift-packages when
# it exists) is where the dependencies are fetched from instead of GitHub. DEBIAN_MIRROR
# (default http://deb.debian.org/debian) feeds mmdebstrap.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
IMAGE="${IMAGE:-localhost/croupier:latest}"
BUILDER=localhost/croupier-builder:bookworm
RUNTIME=localhost/croupier-runtime:bookworm
SWIFT_TOOLCHAIN="${SWIFT_TOOLCHAIN:-/opt/swift}"
SWIFTPM_MIRROR="${SWIFTPM_MIRROR-$([ -d /opt/swift-packages ] && echo /opt/swift-packages)}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PODMAN=(podman --storage-driver vfs)
export DEBIAN_FRONTEND=noninteractive

die() { echo "error: $*" >&2; exit 1; }

# What the Swift toolchain needs to compile and link on bookworm, and git for SwiftPM.
BUILDER_PACKAGES=binutils,ca-certificates,git,libc6-dev,libcurl4,libedit2,libgcc-12-dev,libncurses6,libpython3.11,libsqlite3-0,libstdc++-12-dev,libxml2,libz3-4,pkg-config,tzdata,zlib1g-dev
# What a croupier built with --static-swift-stdlib links (ldd), curl for the health check,
# passwd for useradd, CA roots for outgoing TLS, tzdata for report time zones.
RUNTIME_PACKAGES=ca-certificates,curl,libstdc++6,passwd,tzdata,zlib1g

install_tools() {
    local pkgs=()
    command -v podman >/dev/null 2>&1 || pkgs+=(podman)
    command -v mmdebstrap >/dev/null 2>&1 || pkgs+=(mmdebstrap)
    [ "${#pkgs[@]}" -eq 0 ] && return 0
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -q "${pkgs[@]}" >/dev/null
}

# base NAME PACKAGES: a Debian bookworm root filesystem imported as an image, made once.
base() {
    local name="$1" packages="$2"
    if "${PODMAN[@]}" image exists "$name"; then return 0; fi
    echo "image: making $name with mmdebstrap"
    # mmdebstrap removes apt's package lists and downloaded archives when it is done.
    mmdebstrap --variant=minbase --include="$packages" --aptopt='APT::Install-Recommends "false"' \
        bookworm - "$DEBIAN_MIRROR" | "${PODMAN[@]}" import - "$name"
}

build() {
    [ "$(id -u)" -eq 0 ] || die "run as root (podman's vfs storage and chroot isolation)"
    [ -x "$SWIFT_TOOLCHAIN/usr/bin/swift" ] || die "no Swift toolchain at $SWIFT_TOOLCHAIN (set SWIFT_TOOLCHAIN)"
    install_tools
    base "$BUILDER" "$BUILDER_PACKAGES"
    base "$RUNTIME" "$RUNTIME_PACKAGES"
    local mounts=(--volume "$SWIFT_TOOLCHAIN:/opt/swift:ro") args=()
    if [ -n "$SWIFTPM_MIRROR" ]; then
        mounts+=(--volume "$SWIFTPM_MIRROR:/mirror:ro")
        args+=(--build-arg SWIFTPM_MIRROR=/mirror)
    fi
    local started=$SECONDS
    # Docker's format: the OCI format has no HEALTHCHECK and podman would drop it.
    "${PODMAN[@]}" build --format docker --isolation chroot "${mounts[@]}" "${args[@]}" \
        --build-arg "BUILDER=$BUILDER" --build-arg "RUNTIME=$RUNTIME" \
        --build-arg "VERSION=$(git describe --always --dirty 2>/dev/null || echo unknown)" -f Containerfile -t "$IMAGE" .
    echo "image: $IMAGE built in $((SECONDS - started)) s, $("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=iec) ($("${PODMAN[@]}" image inspect --format '{{.Size}}' "$RUNTIME" | numfmt --to=iec) of it the runtime base)"
}

smoke() {
    [ -s .local/env ] || die "no .local/env: start the services first (scripts/services.sh start)"
    # shellcheck disable=SC1091 # written by scripts/services.sh start
    source .local/env
    # Not local: the EXIT trap reads them after this function has returned.
    db=croupier_image_smoke serve="" container="" root=""
    local port chroot
    chroot="$(command -v chroot)"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    container="$("${PODMAN[@]}" create "$IMAGE")"
    root="$("${PODMAN[@]}" mount "$container")"
    cleanup() {
        if [ -n "$serve" ]; then kill "$serve" 2>/dev/null || true; wait "$serve" 2>/dev/null || true; fi
        umount "$root/proc" "$root/dev" 2>/dev/null || true
        "${PODMAN[@]}" umount "$container" >/dev/null || true
        "${PODMAN[@]}" rm "$container" >/dev/null || true
        psql -q -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null || true
        curl -fsS "http://127.0.0.1:$CROUPIER_CH_HTTP_PORT/" --data-binary "DROP DATABASE IF EXISTS $db" >/dev/null || true
    }
    trap cleanup EXIT
    # The Swift runtime finds its executable (and so the resource bundles) through /proc.
    mount --bind /proc "$root/proc"
    mount --bind /dev "$root/dev"
    psql -q -h 127.0.0.1 -p "$CROUPIER_PG_PORT" -U postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    curl -fsS "http://127.0.0.1:$CROUPIER_CH_HTTP_PORT/" --data-binary "CREATE DATABASE IF NOT EXISTS $db"
    local env=(
        CROUPIER_ENV=production CROUPIER_HTTP_HOST=127.0.0.1 CROUPIER_HTTP_PORT="$port"
        CROUPIER_PUBLIC_URL="http://127.0.0.1:$port" CROUPIER_PUBLIC_DIR=/srv/croupier/public
        CROUPIER_SECRET_KEY="$(openssl rand -hex 32)"
        CROUPIER_DATABASE_URL="postgres://postgres@127.0.0.1:$CROUPIER_PG_PORT/$db"
        CROUPIER_NATS_URL="$CROUPIER_NATS_URL" CROUPIER_NATS_STREAM=CROUPIER_IMAGE_SMOKE
        CROUPIER_CLICKHOUSE_URL="http://default@127.0.0.1:$CROUPIER_CH_HTTP_PORT/$db"
    )
    echo "smoke: croupier migrate, from the image's root filesystem, as uid 10001"
    env -i "${env[@]}" "$chroot" --userspec=10001:10001 "$root" /usr/local/bin/croupier migrate
    echo "smoke: croupier serve on 127.0.0.1:$port"
    env -i "${env[@]}" "$chroot" --userspec=10001:10001 "$root" /usr/local/bin/croupier serve >.local/log/image-smoke.log 2>&1 &
    serve=$!
    local i=0
    until curl -fsS -m 2 "http://127.0.0.1:$port/health/live" 2>/dev/null; do
        i=$((i + 1))
        if ! kill -0 "$serve" 2>/dev/null || [ "$i" -gt 120 ]; then
            tail -n 30 .local/log/image-smoke.log >&2
            die "croupier from the image did not answer /health/live"
        fi
        sleep 1
    done
    echo
    curl -sS -m 10 "http://127.0.0.1:$port/health/ready"
    echo
    echo "smoke: ok"
}

case "${1:-}" in
    build) build ;;
    smoke) smoke ;;
    *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
