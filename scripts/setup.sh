#!/usr/bin/env bash
# Prepares this machine for codeq, idempotently: Debian packages, the Temporal CLI, the compiled
# CLI, Docker Engine and the sandbox runner image. Everything downloaded or built lands in a cache
# dir outside the repository, keyed by version, so a second run takes seconds.
# Used by `npm start`, `npm test` and .ci/run; safe to run by hand (`npm run setup`).
set -euo pipefail

cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then default_cache=/var/cache/codeq; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/codeq"; fi
CACHE="${CODEQ_CACHE_DIR:-$default_cache}"
TEMPORAL_VERSION=1.5.1
# python3-sortedcontainers: LeetCode's Python has SortedList; the runner image gets the same list.
# chromium + fonts-dejavu-core: the report page's browser test (playwright-core drives Debian's chromium) and the text of rendered plots.
APT_PACKAGES=(bubblewrap debootstrap docker.io util-linux python3 python3-sortedcontainers g++ default-jdk-headless tar ca-certificates cmake ninja-build libopenblas-dev chromium fonts-dejavu-core)

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE"

# 1. Debian packages (only the missing ones; apt lists refreshed only when something is missing).
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]}; run this as root (it uses apt-get)"
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# 2. Temporal CLI (server for the workflows): go install, because no registry here ships the binary.
# The build takes minutes and go says nothing meanwhile: it runs in the background, logged to a
# file, and a line every 15 s says it is still going (and how many packages are compiled).
TEMPORAL_BIN="$CACHE/tools/temporal-$TEMPORAL_VERSION/temporal"
if command -v temporal >/dev/null 2>&1; then
  temporal_at="$(command -v temporal) (on PATH)"
elif [ -x "$TEMPORAL_BIN" ]; then
  temporal_at="$TEMPORAL_BIN"
else
  command -v go >/dev/null 2>&1 || die "Go is needed to install the Temporal CLI (go install); install Go >= 1.23"
  say "building Temporal CLI v$TEMPORAL_VERSION from source with go install (about 3 minutes, once; no registry here ships the binary)"
  mkdir -p "$(dirname "$TEMPORAL_BIN")"
  build_log="$CACHE/tools/temporal-$TEMPORAL_VERSION.build.log"
  GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS=-modcacherw \
    GOBIN="$(dirname "$TEMPORAL_BIN")" go install -v "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_VERSION" >"$build_log" 2>&1 &
  go_pid=$!
  trap 'kill "$go_pid" 2>/dev/null || true' EXIT
  started=$SECONDS
  while kill -0 "$go_pid" 2>/dev/null; do
    for _ in $(seq 15); do kill -0 "$go_pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$go_pid" 2>/dev/null; then
      say "  still building the Temporal CLI: $((SECONDS - started)) s, $(grep -cv '^go: ' "$build_log" || true) packages compiled"
    fi
  done
  if ! wait "$go_pid"; then
    tail -n 20 "$build_log" >&2
    die "go install of the Temporal CLI failed (whole log: $build_log)"
  fi
  trap - EXIT
  say "built the Temporal CLI in $((SECONDS - started)) s: $TEMPORAL_BIN"
  temporal_at="$TEMPORAL_BIN"
fi

# 3. The native trainer library and its test binary (CMake; incremental, so a rebuild is seconds).
cmake -S native -B native/build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build native/build 2>&1 | sed '/^ninja: no work to do\.$/d' >&2

# 4. The compiled CLI (npm ci builds it through `prepare`; rebuild when sources changed since).
[ -d node_modules ] || die "node_modules is missing: run npm ci first"
npm run --silent build >&2

# 5. Docker Engine (started by codeq when none answers) and the sandbox runner image (its tag on
# stdout; building it reports its progress on stderr).
if [ "$(id -u)" = 0 ]; then
  image="$(CODEQ_CACHE_DIR="$CACHE" node bin/codeq.js sandbox build-image)"
else
  image="none (not root: the docker backend needs dockerd and the runner image; run setup as root)"
fi
# 6. The default policy model (a checked download, once; the demo and the search tests use it).
# When it is not cached yet, codeq says what it fetches, from where and why, then each part.
model="$(CODEQ_CACHE_DIR="$CACHE" node bin/codeq.js model pull --quiet)"
say "ready: cache $CACHE; temporal $temporal_at; runner image $image; model $model"
