#!/usr/bin/env bash
# Publishes the Native AOT binary `ibmi-mcp` for one runtime identifier (default linux-x64) with trim/AOT
# warnings as errors, writes a SHA-256 checksum next to it, and prints the path and size.
#   ./publish.sh [RID] [--version X.Y.Z]
set -euo pipefail
cd "$(dirname "$0")"
rid="linux-x64"
version="$(git describe --tags --always 2>/dev/null | sed 's/^v//' || true)"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) rid="$1"; shift ;;
  esac
done
case "$version" in [0-9]*.[0-9]*.[0-9]*) ;; *) version="0.1.0" ;; esac
out="artifacts/publish/$rid"
host_arch="$(uname -m)"
if [ "$rid" = "linux-arm64" ] && [ "$host_arch" != "aarch64" ] && ! command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
  echo "publish.sh: cross-compiling linux-arm64 needs an aarch64 sysroot and linker (apt-get install gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu);" >&2
  echo "            not present on this $host_arch machine. Run publish.sh on an arm64 machine instead." >&2
  exit 3
fi
# ILC reuses its output on unchanged inputs and then prints no warnings: clean the native intermediates
# so the warnings-as-errors gate is real on every run.
rm -rf "src/IbmiMcp.Aot/obj/Release/net10.0/$rid/native" "$out"
dotnet publish src/IbmiMcp.Aot/IbmiMcp.Aot.csproj -c Release -r "$rid" -o "$out" \
  -p:Version="$version" -p:TreatWarningsAsErrors=true -p:TrimmerSingleWarn=false -nologo -v:q
rm -f "$out"/*.dbg "$out"/*.pdb
bin="$out/ibmi-mcp"
( cd "$out" && sha256sum ibmi-mcp > ibmi-mcp.sha256 )
size=$(stat -c %s "$bin")
echo "published: $bin"
echo "size:      $size bytes ($(awk "BEGIN{printf \"%.1f\", $size/1048576}") MiB)"
echo "sha256:    $(cut -d' ' -f1 "$out/ibmi-mcp.sha256")"
echo "version:   $("$bin" --version 2>/dev/null || echo "(cannot run $rid here)")"
