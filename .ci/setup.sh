#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root): installs the Debian packages that are
# missing, builds everything, then either starts the workbench demo or runs the whole test suite.
#   bash .ci/setup.sh run    # install, build, start the demo
#   bash .ci/setup.sh test   # install, build, run every test (what CI runs)
set -euo pipefail
mode=${1:-}
if [[ "$mode" != run && "$mode" != test ]]; then
  echo "usage: $0 run|test" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"

# libopenblas0-openmp: LibTorch's CPU matrix products go through libblas.so.3, and Debian's
# reference BLAS, all that libtorch-dev pulls in without recommends, is about 20x slower.
packages=(
  cmake ninja-build g++ pkg-config ccache
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite qt6-svg-dev libqcustomplot-dev
  libtorch-dev libopenblas0-openmp libgloo-dev libsentencepiece-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev
  libcurl4-openssl-dev libzip-dev libssl-dev
  xvfb xauth clang-format
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Missing Debian packages: ${missing[*]}; run this as root (or with sudo) to install them." >&2
    exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
# LibTorch translation units take ~2 GB of memory each; two jobs fit the 2-core CI machine.
cmake --build "$build" --parallel "$(nproc)"

if [[ "$mode" == test ]]; then
  status=0
  (cd "$build" && ctest --output-on-failure --timeout 900 -j "$(nproc)") || status=$?
  if ((status != 0)); then
    echo "ctest failed (status $status); the Debian package test was not run." >&2
    exit "$status"
  fi
  # The Debian package: built, installed with apt, run from /usr, removed (packaging/).
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIPPED: the Debian package test (packaging/test-package.sh) needs root for apt;" \
      "run 'sudo bash $root/packaging/test-package.sh $build' for it." >&2
    exit 0
  fi
  exec bash "$root/packaging/test-package.sh" "$build"
fi
exec "$root/.ci/demo.sh" "$build"
