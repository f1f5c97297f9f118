#!/usr/bin/env bash
# Build the harness image with podman on an offline Debian base (CPU torch, faiss-cpu)
# and run the harness inside it: the `mini` suite when `harness run` exists, else the
# commands that do (help, ls, score on the mock submission). Prints where results and
# the leaderboard are. Also `make image-smoke`.
#
# Why podman: no Docker engine runs on these machines, and no registry image can be
# pulled; the Dockerfile's BASE_IMAGE/ACCELERATOR build args are exercised instead on a
# debootstrapped bookworm (scripts/make-offline-base.sh).
#
# Environment knobs:
#   IMAGE        tag to build (default localhost/harness:cpu-smoke)
#   SMOKE_DIR    work folder for results, site and containers.conf (default build/container-smoke)
#   SUITE        suite to run inside the container (default mini)
#   SKIP_BUILD=1 reuse an image built before
#   DS_CHECK=0   skip the two-process DeepSpeed check
#   KEEP=1       keep the previous run's outputs and checkpoints (the suite then resumes)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
IMAGE="${IMAGE:-localhost/harness:cpu-smoke}"
BASE="${BASE:-localhost/debian-base:bookworm}"
SMOKE_DIR="$(mkdir -p "${SMOKE_DIR:-build/container-smoke}" && cd "${SMOKE_DIR:-build/container-smoke}" && pwd)"
SUITE="${SUITE:-mini}"
MOCK="${MOCK:-$ROOT/../shared/xtreme-mock}"
CONTAINER_UID=1000  # the image's non-root user (Dockerfile ARG HARNESS_UID)

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'container-smoke: %s\n' "$*" >&2; exit 2; }

# --- tools -----------------------------------------------------------------------------
missing=()
for tool in podman buildah runc debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]} (apt-get)"
    [[ $(id -u) == 0 ]] || die "need root to apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# podman run on these machines needs runc and ulimits it is allowed to set.
export CONTAINERS_CONF="$SMOKE_DIR/containers.conf"
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
EOF

# --- pip inside the build: the same torch wheel and CA bundle as on this host -------------
host_pip=(python3 -m pip)
[[ -x "$ROOT/.venv/bin/python" ]] && host_pip=("$ROOT/.venv/bin/python" -m pip)
build_args=(--build-arg "BASE_IMAGE=$BASE" --build-arg ACCELERATOR=cpu --build-arg TORCH_VERSION=2.13.0)
volumes=()
torch_url="$("${host_pip[@]}" install --dry-run --ignore-installed --no-deps --quiet --report - \
    torch==2.13.0 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["install"][0]["download_info"]["url"])')" \
    || die "pip cannot resolve torch==2.13.0 on this host"
if [[ "$torch_url" == file://* ]]; then
    # pip takes the CPU wheel from a folder on disk (find-links): mount that folder.
    wheel_dir="$(python3 -c 'import sys, urllib.parse, os; print(os.path.dirname(urllib.parse.unquote(urllib.parse.urlparse(sys.argv[1]).path)))' "$torch_url")"
    volumes+=(-v "$wheel_dir:/build-wheels:ro")
    build_args+=(--build-arg PIP_FIND_LINKS=/build-wheels)
    echo "container-smoke: torch==2.13.0 resolves to $torch_url; mounted into the build" >&2
else
    # No wheel on disk: PyPI's torch is a CUDA build; take the CPU one from PyTorch's index.
    build_args+=(--build-arg PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu)
    echo "container-smoke: torch==2.13.0 is not on disk ($torch_url); using PyTorch's CPU index" >&2
fi
index_url="${PIP_INDEX_URL:-$("${host_pip[@]}" config get global.index-url 2>/dev/null || true)}"
[[ -n "$index_url" ]] && build_args+=(--build-arg "PIP_INDEX_URL=$index_url")
ca_bundle="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
if [[ -f "$ca_bundle" ]]; then
    volumes+=(-v "$(dirname "$ca_bundle"):/build-certs:ro")
    build_args+=(--build-arg "PIP_CERT=/build-certs/$(basename "$ca_bundle")")
fi

# --- build -----------------------------------------------------------------------------
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    say "offline base $BASE"
    "$ROOT/scripts/make-offline-base.sh" "$BASE"
    say "podman build $IMAGE"
    # --format docker: the OCI format drops SHELL (and with it pipefail in RUN).
    start=$SECONDS
    podman build --format docker --network host --layers "${build_args[@]}" "${volumes[@]}" -t "$IMAGE" -f Dockerfile .
    echo "container-smoke: built $IMAGE in $((SECONDS - start)) s" >&2
fi
size="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
echo "container-smoke: $IMAGE is $((size / 1000000)) MB" >&2

# --- run -------------------------------------------------------------------------------
results="$SMOKE_DIR/results" site="$SMOKE_DIR/site" models="$SMOKE_DIR/models" data="$SMOKE_DIR/data"
# A fresh run each time (KEEP=1 keeps the last one's checkpoints, and so resumes it).
[[ "${KEEP:-0}" == 1 ]] || rm -rf "$results" "$site" "$models" "$data"
mkdir -p "$results" "$site" "$models" "$data"
# Bind mounts keep the host's owner; the container runs as uid $CONTAINER_UID.
chown "$CONTAINER_UID:$CONTAINER_UID" "$results" "$site" "$models" "$data"
run=(podman run --rm --network none
     -v "$data:/data" -v "$results:/results" -v "$models:/models" -v "$site:/site"
     -e HF_HUB_OFFLINE=1 -e HF_DATASETS_OFFLINE=1)

say "harness --help"
"${run[@]}" "$IMAGE" --help

say "harness ls suites"
"${run[@]}" "$IMAGE" ls suites

if [[ -d "$MOCK" ]]; then
    say "harness score on the mock submission ($MOCK)"
    "${run[@]}" -v "$(cd "$MOCK" && pwd):/mock:ro" "$IMAGE" score \
        --predictions-dir /mock/predictions --labels-dir /mock/labels --output /results/mock-score.json
else
    echo "container-smoke: $MOCK not found; score skipped" >&2
fi

if "${run[@]}" "$IMAGE" --help | grep -qE '^ +run +'; then
    say "harness --suite $SUITE (a command line starting with an option is 'run')"
    start=$SECONDS
    "${run[@]}" "$IMAGE" --suite "$SUITE"
    echo "container-smoke: suite $SUITE ran in $((SECONDS - start)) s" >&2
else
    echo "container-smoke: this harness has no 'run' command yet; suite $SUITE not run" >&2
fi

if [[ "${DS_CHECK:-1}" == 1 ]]; then
    # DeepSpeed with more than one process, the way a multi-GPU run starts: the launcher as
    # the entry point, one Python process per device (gloo on this CPU, NCCL on GPUs).
    # `harness launch-check` trains a tiny model with ZeRO-2 in every rank, saves it on
    # rank 0, reloads and evaluates it on every rank, and writes launch_check.json.
    say "DeepSpeed ZeRO-2 in two processes (torchrun -m harness launch-check)"
    start=$SECONDS
    "${run[@]}" --entrypoint torchrun "$IMAGE" --nproc_per_node 2 \
        -m harness launch-check --out-dir /models/launch-check --deepspeed zero2 --steps 20
    echo "container-smoke: two-process DeepSpeed check took $((SECONDS - start)) s" >&2
    cat "$models/launch-check/launch_check.json"; echo
fi

say "outputs"
echo "results:     $results"
find "$results" -type f -name '*.json' | sort | sed "s|^$results/||" | head -40
echo "($(find "$results" -type f -name '*.result.json' | wc -l) result records)"
if [[ -f "$site/index.html" ]]; then
    echo "leaderboard: $site/index.html"
else
    echo "leaderboard: none yet (expected at $site/index.html)"
fi
