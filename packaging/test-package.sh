#!/usr/bin/env bash
# Builds the Debian package from a configured, built build folder, installs it with apt, runs both
# programs from the installed tree and removes it again. Run as root on Debian 12:
#   packaging/test-package.sh BUILD_DIR
# Checks that the installed programs find their resources and the tokenizer module under the
# install prefix, not in the source and build trees they were built from: where a private mount
# namespace can be made (unshare, as root) those trees are hidden under an empty tmpfs while the
# installed programs run, and with strace (where it is there) the files they open are checked too.
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
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

step "cpack -G DEB in $build"
(cd "$build" && cpack -G DEB)
deb=$(ls -t "$build"/hyperformer-workbench_*.deb | head -n 1)
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb" | awk '{print $6}'
echo "package: $deb, $(stat -c %s "$deb") bytes"
if dpkg-deb --field "$deb" Description | grep -q ';'; then fail "the package description holds a ';'"; fi
for f in usr/bin/hyperformer usr/bin/hyperformer-workbench usr/lib/hyperformer-workbench/libhwb_spm.so \
  usr/share/hyperformer-workbench/catalog/models.json usr/share/hyperformer-workbench/catalog/glue.json \
  usr/share/hyperformer-workbench/t5/spiece.model usr/share/applications/hyperformer-workbench.desktop \
  usr/share/icons/hicolor/scalable/apps/hyperformer-workbench.svg \
  usr/share/metainfo/hyperformer-workbench.metainfo.xml usr/share/man/man1/hyperformer.1; do
  dpkg-deb --contents "$deb" | awk '{print $6}' | grep -qx "\./$f" || fail "$f is not in the package"
done
echo "programs, tokenizer module, catalog, vocabulary, desktop entry, icon, metainfo, man page: in the package"

step "apt-get install $deb"
apt-get install -y "$deb"

# Every library the installed programs and the module link must resolve, and come from a package
# the Depends line names (dpkg-shlibdeps writes it where dpkg-dev is installed; otherwise it is
# packaging/CMakeLists.txt's list, and this catches a library added since).
step "linked libraries against Depends"
depends=$(dpkg-query -W -f='${Depends}' hyperformer-workbench)
echo "Depends: $depends"
depend_names=$(tr ',|' '\n' <<< "$depends" | awk '{sub(/:any$/, "", $1); print $1}' | sort -u)
owner_of() {  # the package holding a library file; Debian 12 merges /lib into /usr/lib
  local p=$1 alt
  [[ $p == /usr/* ]] && alt=${p#/usr} || alt=/usr$p
  dpkg -S "$p" 2> /dev/null || dpkg -S "$alt" 2> /dev/null || dpkg -S "$(readlink -f "$p")" 2> /dev/null || true
}
for elf in /usr/bin/hyperformer /usr/bin/hyperformer-workbench /usr/lib/hyperformer-workbench/libhwb_spm.so; do
  if ldd "$elf" | grep -q 'not found'; then fail "$elf: $(ldd "$elf" | grep 'not found')"; fi
  for lib in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(ldd "$elf" | awk -v l="$lib" '$1 == l && $3 ~ /^\// {print $3}')
    [[ -n $path ]] || continue  # the dynamic loader itself
    owner=$(owner_of "$path" | head -n 1 | cut -d: -f1)
    [[ -n $owner ]] || fail "$elf links $lib ($path), which no package holds"
    grep -qx "$owner" <<< "$depend_names" || fail "$elf links $lib from $owner, not in Depends"
  done
done
echo "every linked library resolves and its package is in Depends"

if command -v desktop-file-validate > /dev/null; then
  desktop-file-validate /usr/share/applications/hyperformer-workbench.desktop
  echo "desktop entry valid"
fi
if command -v appstreamcli > /dev/null; then
  # Errors fail; warnings are printed (the id is not reverse-DNS: there is no domain to use).
  appstreamcli validate --no-net /usr/share/metainfo/hyperformer-workbench.metainfo.xml | tee "$work/appstream" || true
  if grep -q '^E:' "$work/appstream"; then fail "the AppStream metainfo has errors"; fi
fi
if command -v man > /dev/null; then
  [[ $(man -w hyperformer) == /usr/share/man/man1/hyperformer.1* ]] || fail "man -w hyperformer: $(man -w hyperformer)"
  man --warnings -l "$(man -w hyperformer)" 2> "$work/man.warnings" > /dev/null
  if [[ -s $work/man.warnings ]]; then fail "man hyperformer warns: $(cat "$work/man.warnings")"; fi
  echo "man hyperformer renders without warnings"
fi

# The installed programs run with the source and build trees hidden, where that can be done.
hidden=()
if [[ $(id -u) -eq 0 ]] && unshare --mount --propagation private true 2> /dev/null; then
  # shellcheck disable=SC2016 # $1, $2 and $@ are for the inner bash
  hidden=(unshare --mount --propagation private bash -c
    'mount -t tmpfs -o size=1m,mode=0755 hwb-hidden "$1" && mount -t tmpfs -o size=1m,mode=0755 hwb-hidden "$2" && shift 2 && exec "$@"'
    _ "$build" "$source_dir")
  echo "the installed programs run with $build and $source_dir hidden under an empty tmpfs"
else
  echo "no private mount namespace here: the source and build trees stay visible to the programs"
fi
installed() { "${hidden[@]}" "$@"; }
traced=0
command -v strace > /dev/null && traced=1
trace() {  # trace NAME COMMAND...: runs COMMAND from the installed tree, under strace where it is there
  local name=$1
  shift
  if ((traced)); then
    installed strace -f -o "$work/$name.trace" -e trace=openat,stat,newfstatat "$@"
  else
    installed "$@"
  fi
}
# The programs look next to themselves (/usr/bin/../share, /usr/bin/../lib): what they read must be
# opened from there, nothing from the source tree.
opened() {  # opened NAME FILE...
  local name=$1 f
  shift
  ((traced)) || return 0
  for f in "$@"; do
    grep -E "openat\(AT_FDCWD, \"/usr(/bin/\.\.)?/$f\"" "$work/$name.trace" | grep -qv ENOENT ||
      fail "$f was not opened under /usr"
  done
  if grep -v ENOENT "$work/$name.trace" | grep -q -e "\"$source_dir/" -e "\"$build/"; then
    grep -v ENOENT "$work/$name.trace" | grep -e "\"$source_dir/" -e "\"$build/" | head >&2
    fail "the installed program read files of $source_dir or $build"
  fi
  echo "opened under /usr: $*; nothing from $source_dir or $build"
}

cd "$work"  # not the source tree: resources must come from the install prefix
export HOME="$work" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
step "hyperformer --version"
installed hyperformer --version | tee "$work/version"
grep -qx "hyperformer [0-9.]*" "$work/version" || fail "hyperformer --version"
step "hyperformer-workbench --version"
installed env -u DISPLAY -u WAYLAND_DISPLAY hyperformer-workbench --version | tee "$work/version"
grep -qx "Hyperformer Workbench [0-9.]*" "$work/version" || fail "hyperformer-workbench --version"

# The workbench starts (Qt finds its platform plugin, the window and the first-start welcome come
# up) and is still running after 5 s; its settings go to the scratch folder, not the user's.
step "hyperformer-workbench, offscreen, for 5 s"
status=0
QT_QPA_PLATFORM=offscreen installed timeout 5 hyperformer-workbench || status=$?
[[ $status -eq 124 ]] || fail "hyperformer-workbench exited with status $status before 5 s"
echo "still running after 5 s"

step "hyperformer train --demo --steps 3 --store $work/x.db (from $work)"
trace train hyperformer train --demo --steps 3 --store "$work/x.db"
opened train share/hyperformer-workbench/demo/glue/SST-2/train.tsv \
  share/hyperformer-workbench/t5/spiece.model lib/hyperformer-workbench/libhwb_spm.so
installed hyperformer runs --store "$work/x.db" list | tee "$work/runs"
grep -q "demo *finished *3" "$work/runs" || fail "the demo run is not listed as finished at step 3"

# The model and data manager's catalog comes from the installed resources; nothing is downloaded.
step "hyperformer fetch list (installed catalog, empty data folder)"
trace fetch hyperformer fetch list | tee "$work/fetch"
opened fetch share/hyperformer-workbench/catalog/models.json share/hyperformer-workbench/catalog/glue.json
grep -q "^Models in $work/data/hyperformer-workbench/models" "$work/fetch" || fail "fetch list: not the data folder"
for row in "t5-small *google-t5/t5-small *not downloaded" "flan-t5-base" "sst2 *SST-2 *not downloaded" "rte *RTE"; do
  grep -q "^  $row" "$work/fetch" || fail "fetch list has no row '$row'"
done

step "hyperformer selftest (installed reference fixtures)"
installed hyperformer selftest | tee "$work/selftest"
grep -q "from /usr/bin/../share/hyperformer-workbench/selftest" "$work/selftest" ||
  fail "selftest did not use the installed fixtures"

step "apt-get remove hyperformer-workbench"
apt-get remove -y hyperformer-workbench
for f in /usr/bin/hyperformer /usr/bin/hyperformer-workbench /usr/lib/hyperformer-workbench \
  /usr/share/hyperformer-workbench /usr/share/applications/hyperformer-workbench.desktop \
  /usr/share/icons/hicolor/scalable/apps/hyperformer-workbench.svg \
  /usr/share/metainfo/hyperformer-workbench.metainfo.xml /usr/share/man/man1/hyperformer.1; do
  if [[ -e $f ]]; then fail "$f is still there after the removal"; fi
done
echo "nothing of the package is left"
step "done: the package installs, runs and removes cleanly"
