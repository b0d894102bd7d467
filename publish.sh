#!/usr/bin/env bash
# Publishes the Native AOT binary `ibmi-mcp` for one or more runtime identifiers (default: this machine's,
# linux-x64 or linux-arm64) with trim/AOT warnings as errors, writes a SHA-256 checksum next to it, and prints
# the path and size. With --release it also packs artifacts/release/ibmi-mcp-<version>-<rid>.tar.gz (+ .sha256).
#   ./publish.sh [RID...] [--version X.Y.Z] [--release] [--no-build] [--pie]
#     --release    also write the release archive and its checksum (verify with: cd artifacts/release && sha256sum -c *.sha256)
#     --no-build   package the binary already in artifacts/publish/<rid>/ (its baked-in version must match)
#     --pie        a position-independent executable (address-randomised; starts ~15 ms slower: docs/operations.md)
# linux-arm64 on an x64 machine is a cross build (works on Debian 12: verified under qemu-aarch64); it needs clang,
# an aarch64 linker and libc (apt-get install clang binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
# and exits 3 naming them when they are missing.
set -euo pipefail
cd "$(dirname "$0")"
rids=(); release=false; build=true; version_given=false; pie=false
version="$(git describe --tags --always 2>/dev/null | sed 's/^v//' || true)"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; version_given=true; shift 2 ;;
    --release) release=true; shift ;;
    --no-build) build=false; shift ;;
    --pie) pie=true; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "publish.sh: unknown option $1" >&2; exit 2 ;;
    *) rids+=("$1"); shift ;;
  esac
done
case "$version" in [0-9]*.[0-9]*.[0-9]*) ;; *) version="0.1.0" ;; esac
host_arch="$(uname -m)"
if [ ${#rids[@]} -eq 0 ]; then
  case "$host_arch" in aarch64|arm64) rids=(linux-arm64) ;; *) rids=(linux-x64) ;; esac
fi

publish_one() {
  local rid="$1" out="artifacts/publish/$1" extra=()
  case "$rid" in linux-x64|linux-arm64) ;; *) echo "publish.sh: note: $rid is not a release target; publishing anyway" >&2 ;; esac
  if [ "$rid" = "linux-arm64" ] && [ "$host_arch" != "aarch64" ]; then
    # Cross build: clang targets aarch64-linux-gnu (the ILC targets pass --target) and finds Debian's arm64 C
    # library (/usr/aarch64-linux-gnu) and cross GCC runtime by itself; the bfd linker is aarch64-linux-gnu-ld.
    local cc; cc=$(command -v clang || ls /usr/bin/clang-[0-9]* 2>/dev/null | grep -E 'clang-[0-9]+$' | sort -V | tail -1 || true)
    if [ -z "$cc" ] || ! command -v aarch64-linux-gnu-ld >/dev/null 2>&1 || [ ! -e /usr/aarch64-linux-gnu/lib/libc.so ]; then
      echo "publish.sh: cross-compiling linux-arm64 on $host_arch needs clang, an aarch64 linker and an arm64 libc sysroot:" >&2
      echo "            apt-get install clang binutils-aarch64-linux-gnu gcc-aarch64-linux-gnu libc6-dev-arm64-cross" >&2
      echo "            (not present here). Or run publish.sh on an arm64 machine." >&2
      return 3
    fi
    extra=(-p:CppCompilerAndLinker="$cc")
    # llvm-objcopy strips any architecture; without it, the cross binutils' objcopy does.
    command -v llvm-objcopy >/dev/null 2>&1 || extra+=(-p:ObjCopyName=aarch64-linux-gnu-objcopy)
  fi
  # ILC reuses its output on unchanged inputs and then prints no warnings: clean the native intermediates
  # so the warnings-as-errors gate is real on every run.
  rm -rf "src/IbmiMcp.Aot/obj/Release/net10.0/$rid/native" "$out"
  if $pie; then extra+=(-p:PositionIndependentExecutable=true); fi
  dotnet publish src/IbmiMcp.Aot/IbmiMcp.Aot.csproj -c Release -r "$rid" -o "$out" \
    -p:Version="$version" -p:TreatWarningsAsErrors=true -p:TrimmerSingleWarn=false "${extra[@]}" -nologo -v:q
  rm -f "$out"/*.dbg "$out"/*.pdb
  ( cd "$out" && sha256sum ibmi-mcp > ibmi-mcp.sha256 )
}

# The release archive: the binary, the systemd unit and the operator docs, owned by root, with fixed
# timestamps (SOURCE_DATE_EPOCH, else the last commit) so the same binary always packs to the same bytes.
package_one() {
  local rid="$1" out="artifacts/publish/$1" bin="artifacts/publish/$1/ibmi-mcp"
  [ -f "$bin" ] || { echo "publish.sh: $bin not found (run without --no-build)" >&2; return 1; }
  ( cd "$out" && sha256sum -c --quiet ibmi-mcp.sha256 ) || { echo "publish.sh: $bin does not match its checksum" >&2; return 1; }
  local baked
  if baked=$("$bin" --version 2>/dev/null); then
    baked="${baked##* }"
    if $version_given && [ "$baked" != "$version" ]; then
      echo "publish.sh: $bin has version $baked baked in, not $version (publish again without --no-build)" >&2; return 1
    fi
    $version_given || version="$baked"
  elif ! $version_given && ! $build; then
    echo "publish.sh: cannot run $rid binary here to read its version: pass --version" >&2; return 1
  fi
  # (A binary for another architecture that this run just built carries $version: it was passed to the compiler.)
  local name="ibmi-mcp-$version-$rid" stage
  stage="$(mktemp -d)"
  mkdir -p "$stage/$name/docs" artifacts/release
  install -m 0755 "$bin" "$stage/$name/ibmi-mcp"
  install -m 0644 README.md "$stage/$name/README.md"
  install -m 0644 deploy/ibmi-mcp.service "$stage/$name/ibmi-mcp.service"
  for doc in operations tls clients troubleshooting; do
    [ -f "docs/$doc.md" ] && install -m 0644 "docs/$doc.md" "$stage/$name/docs/$doc.md"
  done
  local epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
  tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" \
    | gzip -9 -n > "artifacts/release/$name.tar.gz"
  rm -rf "$stage"
  ( cd artifacts/release && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256" )
  echo "release:   artifacts/release/$name.tar.gz ($(stat -c %s "artifacts/release/$name.tar.gz") bytes)"
  echo "checksum:  artifacts/release/$name.tar.gz.sha256 ($(cut -d' ' -f1 "artifacts/release/$name.tar.gz.sha256"))"
}

status=0
for rid in "${rids[@]}"; do
  if $build; then
    publish_one "$rid" || { status=$?; continue; }
    bin="artifacts/publish/$rid/ibmi-mcp"
    size=$(stat -c %s "$bin")
    echo "published: $bin"
    echo "size:      $size bytes ($(awk "BEGIN{printf \"%.1f\", $size/1048576}") MiB)"
    echo "sha256:    $(cut -d' ' -f1 "artifacts/publish/$rid/ibmi-mcp.sha256")"
    echo "version:   $("$bin" --version 2>/dev/null || echo "(cannot run $rid here)")"
  fi
  if $release; then package_one "$rid" || status=$?; fi
done
exit "$status"
