#!/usr/bin/env bash
# Builds the Debian package from a configured, built build folder, installs it with apt, runs both
# programs from the installed tree and removes it again. Run as root on Debian 12:
#   packaging/test-package.sh BUILD_DIR
# Checks that the installed programs find their resources and the tokenizer module under the
# install prefix, not in the source tree they were built from (with strace, where it is there).
set -euo pipefail

if [[ $# -ne 1 || ! -f "$1/CPackConfig.cmake" ]]; then
  echo "usage: $0 BUILD_DIR   (a build folder configured with this project's CMake and built)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS"; }

step "cpack -G DEB in $build"
(cd "$build" && cpack -G DEB)
deb=$(ls -t "$build"/hyperformer-workbench_*.deb | head -n 1)
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb" | awk '{print $6}'

step "apt-get install $deb"
apt-get install -y "$deb"

cd "$work"  # not the source tree: resources must come from the install prefix
step "hyperformer --version"
hyperformer --version
step "hyperformer-workbench --version"
env -u DISPLAY -u WAYLAND_DISPLAY hyperformer-workbench --version

# The workbench starts (Qt finds its platform plugin, the window and the first-start welcome come
# up) and is still running after 5 s; its settings go to the scratch folder, not the user's.
step "hyperformer-workbench, offscreen, for 5 s"
status=0
HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" QT_QPA_PLATFORM=offscreen \
  timeout 5 hyperformer-workbench || status=$?
if [[ $status -ne 124 ]]; then
  echo "FAIL: hyperformer-workbench exited with status $status before 5 s" >&2
  exit 1
fi

step "hyperformer train --demo --steps 3 --store $work/x.db (from $work)"
train=(hyperformer train --demo --steps 3 --store "$work/x.db")
if command -v strace > /dev/null; then
  strace -f -o "$work/files.trace" -e trace=openat,stat,newfstatat "${train[@]}"
  # The programs look next to themselves (/usr/bin/../share, /usr/bin/../lib): the demo data, the
  # T5 vocabulary and the tokenizer module must be opened from there, nothing from the source tree.
  opened() { grep -E "openat\(AT_FDCWD, \"/usr(/bin/\.\.)?/$1\"" "$work/files.trace" | grep -qv ENOENT; }
  opened share/hyperformer-workbench/demo/glue/SST-2/train.tsv
  opened share/hyperformer-workbench/t5/spiece.model
  opened lib/hyperformer-workbench/libhwb_spm.so
  if grep -v ENOENT "$work/files.trace" | grep -q "\"$source_dir/"; then
    echo "FAIL: the installed program read files of the source tree $source_dir:" >&2
    grep -v ENOENT "$work/files.trace" | grep "\"$source_dir/" | head >&2
    exit 1
  fi
  echo "demo data, spiece.model and libhwb_spm.so opened under /usr; nothing from $source_dir"
else
  "${train[@]}"
fi
hyperformer runs --store "$work/x.db" list

step "hyperformer selftest (installed reference fixtures)"
hyperformer selftest

step "apt-get remove hyperformer-workbench"
apt-get remove -y hyperformer-workbench
for f in /usr/bin/hyperformer /usr/bin/hyperformer-workbench /usr/lib/hyperformer-workbench \
  /usr/share/hyperformer-workbench; do
  if [[ -e "$f" ]]; then
    echo "FAIL: $f is still there after the removal" >&2
    exit 1
  fi
done
step "done"
