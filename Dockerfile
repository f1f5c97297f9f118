# syntax=docker/dockerfile:1
# The harness image: `docker run --gpus all harness --suite xtreme`.
#
#   docker build -t harness .                                  # CUDA 12.6, faiss-gpu-cu12
#   docker build -t harness:cpu --build-arg ACCELERATOR=cpu \
#       --build-arg BASE_IMAGE=debian:bookworm-slim .          # CPU torch, faiss-cpu
#
# ACCELERATOR picks the stage that supplies Python and torch:
#   cuda  the official PyTorch image (Python, torch 2.13.0+cu126, CUDA 12.6 and cuDNN 9
#         runtime wheels); FAISS is faiss-gpu-cu12, built against the same CUDA 12.
#   cpu   any Debian/Ubuntu base: Python 3 from apt in a venv, torch from pip, faiss-cpu.
# Either way the torch (and CUDA wheels) of that stage are frozen into a constraints
# file, so installing the harness never re-resolves torch to another build.
# See docs/container.md for volumes, multi-GPU and multi-node runs.

ARG BASE_IMAGE=pytorch/pytorch:2.13.0-cuda12.6-cudnn9-runtime
ARG ACCELERATOR=cuda

# ---------------------------------------------------------------- cuda: torch from the base
FROM ${BASE_IMAGE} AS python-cuda
# Nothing to add: the official image puts its Python (with torch) first on PATH.
ENV HARNESS_ACCELERATOR=cuda

# ---------------------------------------------------------------- cpu: torch from pip
FROM ${BASE_IMAGE} AS python-cpu
ARG DEBIAN_FRONTEND=noninteractive
# The distribution's own Python 3 (3.11 on bookworm); versions follow the base's release,
# which the BASE_IMAGE tag pins, so apt packages are not pinned one by one.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    VIRTUAL_ENV=/opt/venv \
    DS_ACCELERATOR=cpu \
    HARNESS_ACCELERATOR=cpu
# On PyPI, torch==X for Linux x86-64 is a CUDA build: for a small CPU image pass
# --build-arg PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu (the +cpu wheel
# then wins), or PIP_FIND_LINKS=<folder> with the wheel mounted into the build.
ARG TORCH_VERSION=2.13.0
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_FIND_LINKS
ARG PIP_CERT
RUN python -m pip install --no-cache-dir "torch==${TORCH_VERSION}"

# ---------------------------------------------------------------- the harness
# hadolint ignore=DL3006
FROM python-${ACCELERATOR} AS harness
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Build-time pip settings (a mirror, a CA bundle, a folder of wheels); ARGs, so that
# none of them is left in the image's environment.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_FIND_LINKS
ARG PIP_CERT
ARG HARNESS_EXTRAS=full
ARG FAISS_GPU=faiss-gpu-cu12==1.14.1.post1
ARG FAISS_CPU=faiss-cpu==1.15.1
ARG HARNESS_UID=1000

# DeepSpeed: no ops are prebuilt (DS_BUILD_OPS=0). Both shipped configs (zero2, the
# default, and zero3_offload) set "torch_adam": true, so neither FusedAdam nor CPUAdam is
# ever loaded, and ZeRO-2/3 themselves need no compiled op. Prebuilding FusedAdam would
# need nvcc, i.e. the -devel base (several GB more) for a kernel nothing calls. A config
# of your own that asks for a DeepSpeed kernel compiles it on first use (use a -devel
# BASE_IMAGE); TORCH_EXTENSIONS_DIR (below) keeps it in the model-cache volume.
ENV DS_BUILD_OPS=0 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A pip that builds legacy setup.py sdists (seqeval) in an isolated environment; the
# stage's torch, triton and nvidia-* wheels become constraints for every later install.
RUN python -m pip install --no-cache-dir pip==26.3 \
    && python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" \
    && mkdir -p /etc/harness \
    && python -m pip list --format=freeze \
       | grep -iE '^(torch|triton|nvidia-[a-z0-9-]+)==' > /etc/harness/base-constraints.txt \
    && cat /etc/harness/base-constraints.txt

# Dependencies in their own layer: rebuilt only when pyproject.toml or the tested
# version ranges (requirements/cpu.txt, minus its CPU torch and faiss pins) change.
WORKDIR /tmp/harness-deps
COPY pyproject.toml requirements/cpu.txt docker/pyproject_requirements.py ./
RUN grep -viE '^(torch|faiss)' cpu.txt > tested-versions.txt \
    && python pyproject_requirements.py pyproject.toml --extra "${HARNESS_EXTRAS}" \
       --exclude faiss-cpu --exclude faiss-gpu --exclude faiss-gpu-cu12 > requirements.txt \
    && if [ "${HARNESS_ACCELERATOR}" = cpu ]; then faiss="${FAISS_CPU}"; else faiss="${FAISS_GPU}"; fi \
    && python -m pip install --no-cache-dir \
       -c /etc/harness/base-constraints.txt -c tested-versions.txt \
       -r requirements.txt "${faiss}" \
    && python -c "import faiss, deepspeed, transformers; print('faiss', faiss.__version__, 'deepspeed', deepspeed.__version__, 'transformers', transformers.__version__)" \
    && rm -rf /tmp/harness-deps

RUN groupadd --non-unique --gid "${HARNESS_UID}" harness \
    && useradd --create-home --non-unique --uid "${HARNESS_UID}" --gid "${HARNESS_UID}" \
       --shell /bin/bash harness \
    && mkdir -p /data /results /models /site /opt/harness \
    && chown harness:harness /data /results /models /site /opt/harness

# Where things go at run time: the four volumes. The model cache also holds the embedding
# cache, compiled DeepSpeed kernels and `harness run`'s work folder (checkpoints,
# predictions); HARNESS_{DATA,RESULTS,SITE,WORK}_DIR are `harness run`'s defaults.
# (DL3064 reads TOKENIZERS_PARALLELISM as a token; it is a switch, not a secret.)
# hadolint ignore=DL3064
ENV HF_HOME=/models \
    HF_HUB_DISABLE_TELEMETRY=1 \
    TOKENIZERS_PARALLELISM=false \
    TORCH_EXTENSIONS_DIR=/models/torch_extensions \
    HARNESS_CACHE_DIR=/models/harness-cache \
    HARNESS_WORK_DIR=/models/runs \
    HARNESS_DATA_DIR=/data \
    HARNESS_RESULTS_DIR=/results \
    HARNESS_SITE_DIR=/site

# The harness itself last: a code change rebuilds only this layer. A regular (non-editable)
# install, like `pip install harness`: task specs and leaderboard templates ship inside the
# package (harness.tasks, harness.leaderboard_assets), so the source tree is not kept.
COPY . /tmp/harness-src
RUN python -m pip install --no-cache-dir --no-deps /tmp/harness-src \
    && rm -rf /tmp/harness-src \
    && python -m pip check \
    && harness --help > /dev/null \
    && harness ls tasks > /dev/null
WORKDIR /opt/harness

USER ${HARNESS_UID}:${HARNESS_UID}
VOLUME ["/data", "/results", "/models", "/site"]
ENTRYPOINT ["harness"]
CMD ["--help"]
