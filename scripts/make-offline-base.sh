#!/usr/bin/env bash
# Make a Debian bookworm base image without pulling from a container registry.
#
# Why: machines without a Docker Hub route (this one) cannot pull
# pytorch/pytorch:*, so the Dockerfile's CPU path is built on a minimal Debian
# made here with debootstrap and imported into podman's local store.
#
# Usage: scripts/make-offline-base.sh [IMAGE]   (default localhost/debian-base:bookworm)
# Needs root, debootstrap and podman; does nothing when IMAGE already exists
# (set FORCE=1 to rebuild it).
set -euo pipefail

IMAGE="${1:-localhost/debian-base:bookworm}"
SUITE="${SUITE:-bookworm}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

if [[ "${FORCE:-0}" != 1 ]] && podman image exists "$IMAGE"; then
    echo "make-offline-base: $IMAGE already present; skipped (FORCE=1 rebuilds it)" >&2
    exit 0
fi
for tool in debootstrap podman; do
    if ! command -v "$tool" >/dev/null; then
        echo "make-offline-base: '$tool' not found; install it (apt-get install $tool)" >&2
        exit 2
    fi
done

rootfs="$(mktemp -d "${TMPDIR:-/tmp}/debian-base.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT

echo "make-offline-base: debootstrap --variant=minbase $SUITE from $MIRROR" >&2
debootstrap --variant=minbase "$SUITE" "$rootfs" "$MIRROR" >&2

# Match the usual Debian image: the security and updates pockets for apt-get
# inside builds, and no apt lists or caches baked into the base.
cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb

tar -C "$rootfs" --numeric-owner -c . \
    | podman import --change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$IMAGE" >&2
echo "make-offline-base: imported $IMAGE ($(podman image inspect --format '{{.Size}}' "$IMAGE") bytes)" >&2
