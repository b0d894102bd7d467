#!/usr/bin/env bash
# Builds the root filesystem of the container image (the Dockerfile's FROM scratch stage) in OUTDIR from
# deploy/rootfs.files: the published binary, the shared libraries it loads, the CA bundle, /etc/passwd+group.
# The Dockerfile runs this same script in its collect stage, so the image and OUTDIR hold the same files.
#   deploy/assemble-rootfs.sh OUTDIR [--bin PATH] [--list]
#     --bin PATH   the ibmi-mcp binary (default $IBMI_MCP_BIN, else artifacts/publish/linux-<arch>/ibmi-mcp)
#     --list       print the resolved entries (KIND PATH MODE SOURCE) instead of building anything
# Prints every file with its size and, last, "image size: N bytes (X MiB)" (the uncompressed layer content)
# and the gzip-compressed size a registry would store. Needs root for chown (else files stay the caller's).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out=""; bin="${IBMI_MCP_BIN:-}"; list_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --list) list_only=true; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "assemble-rootfs: unknown option $1" >&2; exit 2 ;;
    *) [ -z "$out" ] || { echo "assemble-rootfs: one OUTDIR only" >&2; exit 2; }; out="$1"; shift ;;
  esac
done
$list_only || [ -n "$out" ] || { echo "usage: deploy/assemble-rootfs.sh OUTDIR [--bin PATH] [--list]" >&2; exit 2; }

# The architecture decides the library directory and the loader; read it from the binary itself (ELF
# e_machine, 2 bytes at offset 18) so a cross-published arm64 binary gets arm64 paths.
if [ -z "$bin" ]; then
  case "$(uname -m)" in aarch64|arm64) bin="$repo/artifacts/publish/linux-arm64/ibmi-mcp" ;; *) bin="$repo/artifacts/publish/linux-x64/ibmi-mcp" ;; esac
fi
[ -f "$bin" ] || { echo "assemble-rootfs: binary '$bin' not found (run ./publish.sh first or pass --bin)" >&2; exit 1; }
machine=$(od -An -tx2 -j18 -N2 "$bin" | tr -d ' ')
case "$machine" in
  003e) arch=x86_64-linux-gnu;  ldso=/lib64/ld-linux-x86-64.so.2 ;;
  00b7) arch=aarch64-linux-gnu; ldso=/lib/ld-linux-aarch64.so.1 ;;
  *) echo "assemble-rootfs: '$bin' is not an x86-64 or arm64 ELF binary (e_machine 0x$machine)" >&2; exit 1 ;;
esac

# One resolved entry per line: KIND PATH MODE SOURCE.
entries() {
  sed -e 's/#.*//' "$repo/deploy/rootfs.files" | while read -r kind path mode source; do
    [ -n "$kind" ] || continue
    path=${path//@ARCH@/$arch}; path=${path//@LDSO@/$ldso}
    source=${source//@ARCH@/$arch}; source=${source//@LDSO@/$ldso}
    echo "$kind $path $mode ${source:--}"
  done
}
if $list_only; then entries; exit 0; fi

# A cross-built binary takes its libraries from the matching cross sysroot when there is one.
sysroot=""
if [ "$arch" = aarch64-linux-gnu ] && [ "$(uname -m)" != aarch64 ]; then
  sysroot="${ROOTFS_SYSROOT:-}"
  [ -n "$sysroot" ] || { echo "assemble-rootfs: an arm64 binary on $(uname -m) needs ROOTFS_SYSROOT (an arm64 root with libc6 and libssl3)" >&2; exit 1; }
fi

rm -rf "$out"; mkdir -p "$out"; out="$(cd "$out" && pwd)"
owner() { if [ "$(id -u)" = 0 ]; then chown -h 0:0 "$1"; fi; }
parents() {  # create the parent directories of $1 (0755, root)
  local d; d=$(dirname "$1")
  [ -d "$out$d" ] && return 0
  parents "$d"; mkdir "$out$d"; chmod 0755 "$out$d"; owner "$out$d"
}
while read -r kind path mode source; do
  if [ "$kind" = tree ] && [ ! -d "$repo/$source" ]; then continue; fi
  parents "$path"
  dest="$out$path"
  case "$kind" in
    bin)  cp "$bin" "$dest" ;;
    host) src="$sysroot$source"; [ -e "$src" ] || { echo "assemble-rootfs: $src not found on this machine (needed for $path)" >&2; exit 1; }
          cp -L "$src" "$dest" ;;
    repo) cp "$repo/$source" "$dest" ;;
    tree) mkdir -p "$dest"; cp -R "$repo/$source/." "$dest/"
          find "$dest" -type d -exec chmod 0755 {} + ; find "$dest" -type f -exec chmod "$mode" {} +
          if [ "$(id -u)" = 0 ]; then chown -R 0:0 "$dest"; fi
          continue ;;
    dir)  mkdir -p "$dest" ;;
    link) ln -s "$source" "$dest"; owner "$dest"; continue ;;
    *) echo "assemble-rootfs: unknown kind '$kind' in deploy/rootfs.files" >&2; exit 1 ;;
  esac
  chmod "$mode" "$dest"; owner "$dest"
done < <(entries)

( cd "$out" && find . -type f -printf '%10s  /%P\n' | sort -k2 )
bytes=$(find "$out" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
gz=$(tar -C "$out" --numeric-owner -cf - . | gzip -9 | wc -c)
echo "files: $(find "$out" -type f | wc -l), links: $(find "$out" -type l | wc -l), arch: $arch"
echo "image size: $bytes bytes ($(awk "BEGIN{printf \"%.1f\", $bytes/1048576}") MiB); gzip-compressed layer: $gz bytes ($(awk "BEGIN{printf \"%.1f\", $gz/1048576}") MiB)"
