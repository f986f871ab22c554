#!/usr/bin/env bash
# Proves MetadataChecker on real inputs: `check` and `dump` over every assembly of the installed
# Microsoft.NETCore.App 10.x and the NativeAOT runtime pack's System.Private.CoreLib, dump
# determinism, and `check` rejecting corrupted copies (made in a temp dir, never committed).
# usage: tests/ecma/prove.sh [workdir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
dotnet build "$here/MetadataChecker" -c Release -nologo -v q >/dev/null
MC=(dotnet "$here/MetadataChecker/bin/Release/net10.0/MetadataChecker.dll")

fw=$(dotnet --list-runtimes | awk '$1=="Microsoft.NETCore.App" && $2 ~ /^10\./ {v=$2; d=$3} END {gsub(/[\[\]]/, "", d); if (v != "") print d "/" v}')
[ -d "$fw" ] || { echo "no Microsoft.NETCore.App 10.x runtime found" >&2; exit 1; }
pack="$HOME/.nuget/packages/microsoft.netcore.app.runtime.nativeaot.linux-x64"
naot=$(ls "$pack"/*/runtimes/linux-x64/native/System.Private.CoreLib.dll 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$naot" ]; then
  # the runtime pack arrives with a NativeAOT publish; the SDK picks its version
  (cd "$work" && rm -rf aot && dotnet new console -o aot >/dev/null && cd aot && dotnet publish -r linux-x64 -p:PublishAot=true -c Release -nologo -v q >/dev/null)
  naot=$(ls "$pack"/*/runtimes/linux-x64/native/System.Private.CoreLib.dll | sort -V | tail -1)
fi
echo "framework: $fw"
echo "nativeaot corelib: $naot"

echo "== check"
"${MC[@]}" check "$fw" "$naot" > "$work/check.txt" || { grep -v ': OK ' "$work/check.txt" | head -50; exit 1; }
tail -1 "$work/check.txt"

echo "== dump (every assembly)"
n=0
for f in "$fw"/*.dll "$naot"; do
  "${MC[@]}" dump "$f" -o "$work/dump.txt"
  if grep -q '!error\|!undecodable\|!bad-\|!layout-mismatch' "$work/dump.txt"; then echo "dump of $f has undecodable cells" >&2; exit 1; fi
  n=$((n + 1))
done
echo "dumped $n assemblies"

echo "== dump determinism"
corelib="$fw/System.Private.CoreLib.dll"
cp "$corelib" "$work/copy.dll"
"${MC[@]}" dump "$corelib" -o "$work/a.dump"
"${MC[@]}" dump "$work/copy.dll" -o "$work/b.dump"
cmp "$work/a.dump" "$work/b.dump" && echo "identical dumps of System.Private.CoreLib and its copy"

echo "== corrupted copies must fail with exit 1"
mkdir -p "$work/corrupt"
python3 "$here/corrupt.py" "$here/MetadataChecker/bin/Release/net10.0/MetadataChecker.dll" "$work/corrupt" >/dev/null
for f in "$work"/corrupt/*.dll; do
  set +e; "${MC[@]}" check --max-problems 3 "$f" > "$work/bad.txt"; rc=$?; set -e
  if [ $rc -ne 1 ]; then echo "check of $f exited $rc, expected 1" >&2; cat "$work/bad.txt"; exit 1; fi
  echo "$(basename "$f"): exit 1: $(head -1 "$work/bad.txt" | cut -d: -f2-)"
done
echo "prove: all good"
