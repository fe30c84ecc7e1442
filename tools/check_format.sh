#!/usr/bin/env bash
# Fails, listing the files, when a C++ file of the project differs from what clang-format makes of
# it (.clang-format at the top). Fix with: clang-format -i FILE...   Run by CTest as `format`.
# core/pch.h is left out: its order of LibTorch headers predates the check, and any edit of it
# rebuilds every precompiled header.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tool=${CLANG_FORMAT:-clang-format}
command -v "$tool" >/dev/null || { echo "no $tool: apt-get install clang-format" >&2; exit 1; }
cd "$root"
mapfile -t files < <(find app core ui tools tests bench -name '*.cpp' -o -name '*.h' | grep -v '^core/pch.h$' | sort)
bad=()
for f in "${files[@]}"; do
  "$tool" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "${#bad[@]} of ${#files[@]} files are not clang-formatted (clang-format -i them):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "${#files[@]} files clang-formatted"
