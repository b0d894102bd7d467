#!/usr/bin/env bash
# Deployment suite (issue 8). Proves the container image's file set without a Docker daemon and checks what the
# operator docs promise:
#   - publish artifacts: checksum verifies (sha256sum -c), version baked in; release archives (publish.sh and
#     publish.ps1) + checksums, reproducible; linux-arm64 cross build (checked under qemu when present)
#   - the Dockerfile builds its FROM scratch stage from deploy/rootfs.files through deploy/assemble-rootfs.sh,
#     the same script used here, and declares USER 10001, EXPOSE 3010, a shell-less HEALTHCHECK
#   - the binary runs inside that rootfs (chroot as uid 10001, an empty environment apart from its settings,
#     /proc + minimal /dev like a container runtime, under the kernel's memory-deny-write-execute policy):
#     /healthz over HTTPS, the healthcheck verb, keys from /run/secrets, the IBM i sign-on with `ibmi-mcp token`
#     from outside, wss to the emulator with a pinned CA, MCP initialize + tools/call with curl returning rows
#   - the shared objects the live server mapped (its /proc/PID/maps after TLS, RSA-OAEP, AES-GCM, wss) are
#     exactly the libraries in deploy/rootfs.files, none from outside the rootfs; every system call it made
#     (strace) is allowed by the systemd unit's SystemCallFilter
#   - the systemd unit passes systemd-analyze verify/security; the commands and flags the docs show exist
# Uses $IBMI_MCP_BIN and $EMULATOR_DLL when set (tests/run-all.sh sets both); otherwise publishes/builds them.
# Needs root for the chroot part (skipped otherwise). Last line: "RESULT: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
source tests/support/suite.sh deploy

echo "== binary"
bin="${IBMI_MCP_BIN:-}"
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "IBMI_MCP_BIN not set: publishing (./publish.sh)"
  ./publish.sh > "$work/publish.log" 2>&1 || { cat "$work/publish.log"; bad "publish the binary"; finish; }
  bin="$repo/artifacts/publish/linux-x64/ibmi-mcp"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
pubdir="$(dirname "$bin")"
echo "binary: $bin"

# ---------------------------------------------------------------------------------------------------------------
echo "== publish artifacts"
if [ -f "$pubdir/ibmi-mcp.sha256" ]; then
  check "published binary matches ibmi-mcp.sha256 (sha256sum -c)" bash -c "cd '$pubdir' && sha256sum -c --quiet ibmi-mcp.sha256"
else
  bad "published binary has a .sha256 next to it" "$pubdir/ibmi-mcp.sha256 missing"
fi
version_line=$("$bin" --version 2>&1); version="${version_line##* }"
check "ibmi-mcp --version prints a semantic version ('$version_line')" grep -qE '^ibmi-mcp [0-9]+\.[0-9]+\.[0-9]+' <<<"$version_line"
check "the binary links only libc, libm and the loader (ldd)" \
  bash -c "ldd '$bin' | grep -vE 'linux-vdso|libc\.so\.6|libm\.so\.6|ld-linux' | grep -q . && exit 1 || exit 0"
# Start-up (issue 17): type data mapped from the file as it is, no load-time fix-ups (docs/operations.md).
check "the binary is a position-dependent executable with no dehydrated data (readelf: EXEC, no .hydrated)" \
  bash -c "readelf -h '$bin' | grep -q 'Type:[[:space:]]*EXEC' && ! readelf -S '$bin' | grep -q '\.hydrated'"

# Release packaging of the binary just checked: publish.sh --release --no-build (no second AOT compile).
if [ "$pubdir" = "$repo/artifacts/publish/linux-x64" ]; then
  pwsh=$(command -v pwsh || ls "$HOME/.dotnet/tools/pwsh" 2>/dev/null || true)
  if [ -n "$pwsh" ]; then
    if "$pwsh" -NoProfile -File ./publish.ps1 -Rid linux-x64 -Version "$version" -NoBuild -Release > "$work/release-ps.log" 2>&1 \
       && (cd artifacts/release && sha256sum -c --quiet "ibmi-mcp-$version-linux-x64.tar.gz.sha256"); then
      ok "publish.ps1 -Release -NoBuild writes a release archive whose .sha256 verifies"
      ps_list=$(tar -tzf "artifacts/release/ibmi-mcp-$version-linux-x64.tar.gz" | sort)
    else
      cat "$work/release-ps.log"; bad "publish.ps1 -Release -NoBuild"
    fi
  else
    skip "publish.ps1 -Release" "PowerShell not installed (dotnet tool install -g PowerShell)"
  fi
  if ./publish.sh linux-x64 --release --no-build > "$work/release.log" 2>&1; then
    tarball="$repo/artifacts/release/ibmi-mcp-$version-linux-x64.tar.gz"
    check "release archive ibmi-mcp-$version-linux-x64.tar.gz + .sha256 verify (sha256sum -c)" \
      bash -c "cd '$repo/artifacts/release' && sha256sum -c --quiet 'ibmi-mcp-$version-linux-x64.tar.gz.sha256'"
    mkdir -p "$work/release" && tar -C "$work/release" -xzf "$tarball"
    check "release archive holds the binary, the systemd unit and the docs, and its binary reports $version" \
      bash -c "[ -x '$work/release/ibmi-mcp-$version-linux-x64/ibmi-mcp' ] && [ -f '$work/release/ibmi-mcp-$version-linux-x64/ibmi-mcp.service' ] \
               && [ -f '$work/release/ibmi-mcp-$version-linux-x64/docs/operations.md' ] \
               && [ \"\$('$work/release/ibmi-mcp-$version-linux-x64/ibmi-mcp' --version)\" = 'ibmi-mcp $version' ]"
    [ -z "${ps_list:-}" ] || check "publish.sh and publish.ps1 archives hold the same files" test "$ps_list" = "$(tar -tzf "$tarball" | sort)"
    sum1=$(cut -d' ' -f1 "$tarball.sha256")
    ./publish.sh linux-x64 --release --no-build > /dev/null 2>&1
    check "release archive is reproducible (same bytes when packed again)" test "$sum1" = "$(cut -d' ' -f1 "$tarball.sha256")"
  else
    cat "$work/release.log"; bad "publish.sh --release --no-build"
  fi
else
  skip "release archive" "binary is not in artifacts/publish/linux-x64"
fi
# linux-arm64: cross-built by publish.sh when the toolchain is installed (an AOT compile takes minutes, so this
# suite checks an existing arm64 build rather than making one).
arm="$repo/artifacts/publish/linux-arm64/ibmi-mcp"
if [ "$(uname -m)" = x86_64 ] && ! command -v aarch64-linux-gnu-ld >/dev/null 2>&1; then
  out=$(./publish.sh linux-arm64 2>&1); rc=$?
  check "publish.sh linux-arm64 without a cross toolchain says what to install (exit 3)" \
    bash -c "[ $rc -eq 3 ] && grep -q 'binutils-aarch64-linux-gnu' <<<\"\$1\"" _ "$out"
  skip "linux-arm64 binary" "no cross toolchain on this machine"
elif [ -f "$arm" ]; then
  check "linux-arm64 binary matches its .sha256" bash -c "cd '$(dirname "$arm")' && sha256sum -c --quiet ibmi-mcp.sha256"
  check "linux-arm64 binary is an AArch64 ELF with the arm64 loader, linking only libc/libm/loader" \
    bash -c "readelf -h '$arm' | grep -q 'AArch64' && readelf -l '$arm' | grep -q '/lib/ld-linux-aarch64.so.1' \
             && [ -z \"\$(readelf -d '$arm' | grep NEEDED | grep -vE 'libc\.so\.6|libm\.so\.6|ld-linux-aarch64')\" ]"
  check "assemble-rootfs.sh maps the arm64 binary to arm64 library paths" \
    bash -c "deploy/assemble-rootfs.sh --list --bin '$arm' | grep -q '^host /lib/aarch64-linux-gnu/libssl.so.3 '"
  if command -v qemu-aarch64 >/dev/null 2>&1 && [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
    arm_version=$(qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm" --version 2>&1)
    check "linux-arm64 binary runs under qemu-aarch64 and reports its version ($arm_version)" grep -qE '^ibmi-mcp [0-9]+\.[0-9]+\.[0-9]+$' <<<"$arm_version"
    qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm" --transport http --host 127.0.0.1 --port 0 > "$work/arm64.log" 2>&1 &
    arm_pid=$!; pids+=($arm_pid)
    if wait_for "$work/arm64.log" 'Host: +127\.0\.0\.1:[0-9]+' 600; then
      arm_port=$(grep -oE 'Host: +127\.0\.0\.1:[0-9]+' "$work/arm64.log" | grep -oE '[0-9]+$')
      check "linux-arm64 server under qemu-aarch64 answers GET /healthz 200" \
        test "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$arm_port/healthz")" = 200
    else
      cat "$work/arm64.log"; bad "linux-arm64 server starts under qemu-aarch64"
    fi
    kill "$arm_pid" 2>/dev/null; wait "$arm_pid" 2>/dev/null
  else
    skip "running the linux-arm64 binary" "qemu-aarch64 or the arm64 libc (libc6-arm64-cross) not installed"
  fi
else
  skip "linux-arm64 binary" "not built (./publish.sh linux-arm64 cross-compiles it; takes minutes)"
fi

# ---------------------------------------------------------------------------------------------------------------
echo "== Dockerfile and deploy/rootfs.files agree"
df="$repo/Dockerfile"
awk '/^FROM /{n++} {print > ("'"$work"'/stage-" n)}' "$df"
final_stage="$work/stage-$(grep -c '^FROM ' "$df")"
check "final stage is FROM scratch" grep -qE '^FROM scratch' "$final_stage"
check "final stage copies exactly one thing: the collect stage's /rootfs" \
  bash -c "[ \"\$(grep -cE '^(COPY|ADD|RUN)' '$final_stage')\" = 1 ] && grep -qE '^COPY --from=collect /rootfs/ /\$' '$final_stage'"
check "collect stage builds /rootfs with deploy/assemble-rootfs.sh (the script this suite uses)" \
  grep -qE '^RUN deploy/assemble-rootfs.sh /rootfs$' "$df"
check "USER 10001, EXPOSE 3010, ENV MCP_TRANSPORT_TYPE=http MCP_HTTP_HOST=0.0.0.0" \
  bash -c "grep -qE '^USER 10001' '$final_stage' && grep -qE '^EXPOSE 3010' '$final_stage' \
           && grep -qE 'MCP_TRANSPORT_TYPE=http' '$final_stage' && grep -qE 'MCP_HTTP_HOST=0\.0\.0\.0' '$final_stage'"
hc_bin=$(grep -oE 'CMD \["[^"]+", *"healthcheck"\]' "$df" | sed -E 's/CMD \["([^"]+)".*/\1/')
entry_bin=$(grep -oE '^ENTRYPOINT \["[^"]+"' "$df" | sed -E 's/.*\["//; s/"//')
rootfs_bin=$(awk '$1=="bin"{print $2}' deploy/rootfs.files)
check "HEALTHCHECK and ENTRYPOINT exec the binary at its rootfs.files path ($rootfs_bin), no shell" \
  bash -c "[ -n '$hc_bin' ] && [ '$hc_bin' = '$rootfs_bin' ] && [ '$entry_bin' = '$rootfs_bin' ]"
check "every file the Dockerfile's build stage needs is not excluded by .dockerignore" \
  bash -c "! grep -qxE 'deploy|deploy/\\*|publish.sh|src|tools' .dockerignore"

# ---------------------------------------------------------------------------------------------------------------
echo "== rootfs"
rootfs="$work/rootfs"
if deploy/assemble-rootfs.sh "$rootfs" --bin "$bin" > "$work/assemble.log" 2>&1; then
  ok "deploy/assemble-rootfs.sh builds the image's root filesystem"
else
  cat "$work/assemble.log"; bad "deploy/assemble-rootfs.sh"; finish
fi
cat "$work/assemble.log"
image_size=$(grep -oE 'image size: [0-9]+ bytes \([0-9.]+ MiB\)' "$work/assemble.log")
present=$(cd "$rootfs" && find . \( -type f -o -type l \) -printf '/%P\n' | grep -v '^/usr/share/ibmi-mcp/tools/' | sort)
listed_files=$(deploy/assemble-rootfs.sh --list --bin "$bin" | awk '$1!="tree" && $1!="dir"{print $2}' | sort)
check "rootfs holds exactly the files and links of deploy/rootfs.files" test "$listed_files" = "$present"
[ "$(id -u)" = 0 ] && check "everything in the rootfs is owned by root and nothing is group/world-writable except /tmp (1777)" \
  bash -c "[ -z \"\$(find '$rootfs' ! -user 0 -o ! -group 0)\" ] && [ -z \"\$(find '$rootfs' ! -type l -perm /022 ! -path '$rootfs/tmp')\" ] \
           && [ \"\$(stat -c %a '$rootfs/tmp')\" = 1777 ]"
check "uid 10001 is in /etc/passwd and gid 10001 in /etc/group" \
  bash -c "grep -q '^ibmi-mcp:x:10001:10001:' '$rootfs/etc/passwd' && grep -q '^ibmi-mcp:x:10001:' '$rootfs/etc/group'"
missing=""
while read -r lib; do
  [ -e "$rootfs$lib" ] || missing="$missing $lib"
done < <(ldd "$bin" | grep -oE '/[^ ]+' | sort -u)
check "every library ldd lists is in the rootfs at the same path${missing:+ (missing:$missing)}" test -z "$missing"

# ---------------------------------------------------------------------------------------------------------------
# chroot, mount namespaces and uid switching need root (CI runs as root).
if [ "$(id -u)" != 0 ]; then
  skip "running the binary inside the rootfs (healthz, sign-on, tools/call, libraries, MDWE, system calls)" "needs root for chroot"
else
echo "== inputs: keys, certificates, emulator"
secrets="$rootfs/run/secrets"
# The operator docs' key generation command (docs/operations.md, "Keys"), run outside the rootfs.
if "$bin" keygen --dir "$work/keys" --key-id deploy-test > "$work/keygen.log" 2>&1 \
   && [ -f "$work/keys/private.pem" ] && [ -f "$work/keys/public.pem" ]; then
  ok "ibmi-mcp keygen --dir DIR --key-id ID writes private.pem and public.pem"
  check "keygen leaves the private key readable by its owner only" test "$(stat -c %a "$work/keys/private.pem")" = 600
  have_keys=true
else
  cat "$work/keygen.log"; skip "IBM i sign-on flow" "ibmi-mcp keygen is not available in this build"
  have_keys=false
fi
# A server certificate for 127.0.0.1, so sign-on runs over HTTPS like in production (no IBMI_AUTH_ALLOW_HTTP).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/tls.key" -out "$work/tls.crt" > /dev/null 2>&1
install -o 10001 -g 10001 -m 0400 "$work/tls.crt" "$secrets/tls.crt"
install -o 10001 -g 10001 -m 0400 "$work/tls.key" "$secrets/tls.key"
if $have_keys; then
  install -o 10001 -g 10001 -m 0400 "$work/keys/private.pem" "$secrets/private.pem"
  install -o 10001 -g 10001 -m 0444 "$work/keys/public.pem" "$secrets/public.pem"
fi

emulator="${EMULATOR_DLL:-}"
if [ -z "$emulator" ] && [ -f src/IbmiMcp.Emulator/IbmiMcp.Emulator.csproj ] && [ -d src/IbmiMcp.Emulator/Protocol ]; then
  dotnet build src/IbmiMcp.Emulator/IbmiMcp.Emulator.csproj -c Release -nologo -v:q > "$work/emulator-build.log" 2>&1 \
    && emulator="$repo/src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll"
fi
emu_port=""
if [ -n "$emulator" ] && [ -f "$emulator" ]; then
  dotnet "$emulator" --port 0 --write-cert "$work/emulator.pem" > "$work/emulator.log" 2>&1 &
  pids+=($!)
  if wait_for "$work/emulator.log" "listening on" 600; then
    emu_port=$(grep -oE 'wss?://[^ ]+' "$work/emulator.log" | head -1 | sed -E 's#.*:([0-9]+)/.*#\1#')
    install -o 10001 -g 10001 -m 0444 "$work/emulator.pem" "$secrets/emulator.pem"
    echo "emulator on port $emu_port"
  else
    cat "$work/emulator.log"; bad "emulator starts"
  fi
fi
[ -n "$emu_port" ] || echo "(no Db2 for i emulator in this build: the sign-on and tools/call checks will be skipped)"

# ---------------------------------------------------------------------------------------------------------------
echo "== the binary inside the rootfs (chroot, uid 10001, empty environment, memory-deny-write-execute)"
settings=(MCP_TRANSPORT_TYPE=http MCP_HTTP_HOST=127.0.0.1 MCP_HTTP_PORT=0 MCP_LOG_LEVEL=info
  MCP_HTTPS_CERT_PATH=/run/secrets/tls.crt MCP_HTTPS_KEY_PATH=/run/secrets/tls.key)
if $have_keys && [ -n "$emu_port" ]; then
  settings+=(MCP_AUTH_MODE=ibmi IBMI_HTTP_AUTH_ENABLED=true IBMI_AUTH_KEY_ID=deploy-test
    IBMI_AUTH_PRIVATE_KEY_PATH=/run/secrets/private.pem IBMI_AUTH_PUBLIC_KEY_PATH=/run/secrets/public.pem
    DB2i_HOST=127.0.0.1 "DB2i_PORT=$emu_port" DB2i_IGNORE_UNAUTHORIZED=false DB2i_CA_PATH=/run/secrets/emulator.pem
    IBMI_ENABLE_DEFAULT_TOOLS=true IBMI_ENABLE_EXECUTE_SQL=true)
  [ -d "$rootfs/usr/share/ibmi-mcp/tools" ] && settings+=(TOOLS_YAML_PATH=/usr/share/ibmi-mcp/tools)
fi
mdwe=("$(command -v python3)" "$repo/tests/deploy/mdwe-exec.py")
if ! python3 "$repo/tests/deploy/mdwe-exec.py" true 2>/dev/null; then
  skip "memory-deny-write-execute" "kernel has no PR_SET_MDWE (Linux < 6.3)"
  mdwe=()
fi
# strace records every system call the server makes, to check them against the systemd unit's filter below.
tracer=()
if command -v strace > /dev/null 2>&1; then tracer=("$(command -v strace)" -f -qq -e signal=none -o "$work/strace.log"); fi
# env -i: no PATH, HOME, locale or anything else from this shell.
env -i "${settings[@]}" "${tracer[@]}" "${mdwe[@]}" "$repo/tests/deploy/chroot-run.sh" "$rootfs" /usr/local/bin/ibmi-mcp \
  > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
pids+=($server_pid)
if [ ${#tracer[@]} -gt 0 ]; then
  # Under strace the server is a child of the tracer: its pid is the one that exec'ed the binary.
  for _ in $(seq 1 100); do
    traced=$(grep -m1 -E '^[0-9]+ +execve\("/usr/local/bin/ibmi-mcp".* = 0$' "$work/strace.log" 2>/dev/null | awk '{print $1}')
    [ -n "$traced" ] && break; sleep 0.1
  done
  [ -n "$traced" ] && { server_pid=$traced; pids+=($server_pid); }
fi
if wait_for "$work/server.out" "Host: +127\.0\.0\.1:[0-9]+" 300 || wait_for "$work/server.err" "Host: +127\.0\.0\.1:[0-9]+" 10; then
  port=$(cat "$work/server.out" "$work/server.err" | grep -oE 'Host: +127\.0\.0\.1:[0-9]+' | head -1 | grep -oE '[0-9]+$')
  ok "server starts inside the rootfs as uid 10001 (port $port)"
else
  grep -v "^ *[0-9]*:" "$work/server.err" | tail -20; cat "$work/server.out"
  bad "server starts inside the rootfs"; finish
fi
check "the server process runs as uid 10001" test "$(stat -c %u "/proc/$server_pid")" = 10001
base="https://127.0.0.1:$port"
code=$(curl -sS -o "$work/healthz.json" -w '%{http_code}' --cacert "$work/tls.crt" "$base/healthz")
check "GET /healthz over HTTPS (own certificate from /run/secrets) answers 200 from outside" test "$code" = 200
check "healthcheck verb inside the rootfs exits 0 (the image's HEALTHCHECK)" \
  env -i MCP_HTTPS_CERT_PATH=/run/secrets/tls.crt "$repo/tests/deploy/chroot-run.sh" "$rootfs" /usr/local/bin/ibmi-mcp healthcheck --port "$port"
env -i "$repo/tests/deploy/chroot-run.sh" "$rootfs" /usr/local/bin/ibmi-mcp healthcheck --port 1 --timeout 2 > /dev/null 2>&1
check "healthcheck verb exits 1 when nothing answers" test $? -eq 1

signed_on=false
pk_code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$work/tls.crt" "$base/api/v1/auth/public-key")
if $have_keys && [ -n "$emu_port" ] && [ "$pk_code" = 404 ]; then
  skip "IBM i sign-on with ibmi-mcp token" "GET /api/v1/auth/public-key answers 404: the auth endpoints are not routed in this build"
elif $have_keys && [ -n "$emu_port" ]; then
  check "GET /api/v1/auth/public-key answers 200 with the key from /run/secrets" test "$pk_code" = 200
  # The client side runs outside the rootfs, like a user's machine. The server's certificate is self-signed, so
  # the client trusts it through SSL_CERT_FILE (docs/clients.md), with full verification.
  if out=$(SSL_CERT_FILE="$work/tls.crt" "$bin" token --quiet --https --server 127.0.0.1 --port "$port" \
             --user ALICE --password alice123 --host 127.0.0.1 --duration 600 2> "$work/token.err") \
     && eval "$out" && [ -n "${IBMI_MCP_ACCESS_TOKEN:-}" ]; then
    ok "ibmi-mcp token signs ALICE on over verified HTTPS (RSA-OAEP + AES-GCM envelope; server → emulator over wss, CA pinned)"
    signed_on=true
  else
    cat "$work/token.err"; grep -v "^ *[0-9]*:" "$work/server.err" | tail -20
    bad "ibmi-mcp token signs ALICE on"
  fi
  "$bin" token --quiet --https --server 127.0.0.1 --port "$port" --user ALICE --password alice123 --host 127.0.0.1 \
    > /dev/null 2> "$work/token-untrusted.err"
  check "without SSL_CERT_FILE the token command refuses the self-signed certificate (exit 1)" test $? -eq 1
  # The pinned-key alternative of docs/clients.md: certificate not checked, password encrypted for a known key.
  out=$("$bin" token --quiet --https --insecure --public-key-path "$work/keys/public.pem" --key-id deploy-test \
          --server 127.0.0.1 --port "$port" --user BOB --password bob12345 --host 127.0.0.1 2> "$work/token-pinned.err")
  check "ibmi-mcp token --insecure --public-key-path --key-id signs BOB on (pinned key)" grep -q 'IBMI_MCP_ACCESS_TOKEN=' <<<"$out"
  "$bin" token --quiet --https --insecure --public-key-path "$work/keys/public.pem" --key-id deploy-test \
    --server 127.0.0.1 --port "$port" --user BOB --password wrong-password --host 127.0.0.1 > /dev/null 2>&1
  check "a wrong IBM i password makes ibmi-mcp token exit 2 (docs/troubleshooting.md)" test $? -eq 2
  code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$work/tls.crt" "$base/mcp" -X POST \
    -H 'Authorization: Bearer not-a-token' -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
  if [ "$code" = 404 ]; then
    skip "401 for an unknown Bearer token on /mcp" "no /mcp endpoint in this build"
  else
    check "an unknown Bearer token on /mcp gets 401 ($code)" test "$code" = 401
  fi
else
  skip "IBM i sign-on with ibmi-mcp token" "${emulator:+keys missing}${emulator:-no emulator in this build (EMULATOR_DLL unset, src/IbmiMcp.Emulator not built)}"
fi

rpc() {  # rpc ID JSON → response body (SSE data lines unwrapped) in $work/rpc-ID.json, prints the HTTP status
  curl -sS -o "$work/rpc-$1.raw" -w '%{http_code}' --cacert "$work/tls.crt" "$base/mcp" \
    -H "Authorization: Bearer ${IBMI_MCP_ACCESS_TOKEN:-}" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-06-18' -d "$2"
  { grep -E '^data: ' "$work/rpc-$1.raw" | sed 's/^data: //'; grep -vE '^(data|event|id): |^$' "$work/rpc-$1.raw"; } > "$work/rpc-$1.json"
}
if $signed_on; then
  code=$(rpc 1 '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"deploy.suite","version":"1"}}}')
  if [ "$code" = 404 ]; then
    skip "MCP initialize + tools/call over HTTP" "no /mcp endpoint in this build (MCP not merged yet)"
  else
    check "MCP initialize answers 200 with serverInfo" bash -c "[ '$code' = 200 ] && grep -q serverInfo '$work/rpc-1.json'"
    rpc 2 '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' > /dev/null
    if grep -q '"execute_sql"' "$work/rpc-2.json"; then
      code=$(rpc 3 '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"execute_sql","arguments":{"sql":"SELECT EMPNO, LASTNAME FROM SAMPLE.EMPLOYEE WHERE EMPNO = '"'"'000010'"'"'"}}}')
      check "tools/call execute_sql as ALICE returns the row (HAAS) through the chrooted server" \
        bash -c "[ '$code' = 200 ] && grep -q 'HAAS' '$work/rpc-3.json' && ! grep -q '\"isError\":true' '$work/rpc-3.json'"
      if grep -q '"employee_profile"' "$work/rpc-2.json"; then
        code=$(rpc 4 '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"employee_profile","arguments":{"employee_number":"000010"}}}')
        check "tools/call of a YAML tool shipped in the image (/usr/share/ibmi-mcp/tools: employee_profile) returns HAAS" \
          bash -c "[ '$code' = 200 ] && grep -q 'HAAS' '$work/rpc-4.json' && ! grep -q '\"isError\":true' '$work/rpc-4.json'"
      elif [ -d "$rootfs/usr/share/ibmi-mcp/tools" ]; then
        bad "the shipped YAML tools are listed (employee_profile)"
      fi
    elif grep -q '"name"' "$work/rpc-2.json"; then
      tool=$(grep -oE '"name":"[a-z_0-9]+"' "$work/rpc-2.json" | head -1 | cut -d'"' -f4)
      skip "tools/call with rows" "execute_sql not offered (tools: $tool…)"
    else
      head -c 600 "$work/rpc-2.json"; bad "tools/list lists tools"
    fi
  fi
fi

# Exactly the libraries it loads: after the HTTPS requests (and the sign-on, wss and queries when available), the
# live process's memory map lists every shared object it has mapped, from start-up and from dlopen. Read from
# outside, paths show where the files really are, so anything mapped from outside the rootfs would show too.
maps=$(awk '$6 ~ /^\// {print $6}' "/proc/$server_pid/maps" 2>/dev/null | sort -u)
loaded=$(grep -E '\.so' <<<"$maps" | sed "s#^$rootfs##" | sort -u)
declared=$(deploy/assemble-rootfs.sh --list --bin "$bin" | awk '$1=="host" && $2 ~ /\.so/{print $2}' | sort -u)
echo "shared objects mapped by the server:"; sed 's/^/  /' <<<"$loaded"
check "shared objects mapped at run time = libraries in deploy/rootfs.files" test "$loaded" = "$declared"
outside=$(grep -v "^$rootfs/" <<<"$maps" | grep -vE '^/(memfd:|dev/|\[)' || true)
check "the server mapped no file from outside the rootfs${outside:+ ($outside)}" test -z "$outside"
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
for _ in $(seq 1 50); do [ -e "/proc/$server_pid" ] || break; sleep 0.1; done
if [ ${#tracer[@]} -gt 0 ] && command -v systemd-analyze > /dev/null 2>&1; then
  # Every system call after the exec of the binary, against SystemCallFilter=@system-service ~@privileged
  # @resources of deploy/ibmi-mcp.service (groups expanded recursively).
  expand() { systemd-analyze syscall-filter "$1" 2>/dev/null | sed 's/^ *//' | grep -vE '^#|^$' \
             | while read -r x; do case "$x" in @*) [ "$x" != "$1" ] && expand "$x" ;; *) echo "$x" ;; esac; done; }
  used=$(awk 'found { sub(/^[0-9]+ +/, ""); if (match($0, /^[a-z_0-9]+\(/)) print substr($0, 1, RLENGTH - 1) }
              /execve\("\/usr\/local\/bin\/ibmi-mcp"/ && / = 0$/ { found = 1 }' "$work/strace.log" | sort -u)
  allowed=$(expand @system-service | sort -u)
  denied=$( (expand @privileged; expand @resources) | sort -u)
  outside_filter=$(comm -23 <(echo "$used") <(echo "$allowed") | tr '\n' ' ')
  in_denied=$(comm -12 <(echo "$used") <(echo "$denied") | tr '\n' ' ')
  echo "system calls made by the server: $(echo "$used" | wc -l)"
  check "every system call the server made is in the unit's filter (@system-service, not @privileged/@resources)${outside_filter:+ (outside: $outside_filter)}${in_denied:+ (denied: $in_denied)}" \
    test -z "$outside_filter$in_denied" -a -n "$used"
else
  skip "system calls vs the unit's SystemCallFilter" "strace or systemd-analyze not installed"
fi
check "no library failed to load and no unhandled exception in the server log" \
  bash -c "! grep -qiE 'cannot open shared object|error while loading|Unhandled exception|TypeInitializationException' '$work/server.err' '$work/server.out'"
if [ ${#mdwe[@]} -gt 0 ]; then
  ok "all of the above ran under memory-deny-write-execute (what MemoryDenyWriteExecute=yes enforces)"
  timeout 60 "${mdwe[@]}" dotnet --version > /dev/null 2>&1
  check "control: a JIT runtime (dotnet) does crash under the same policy, so the policy was really on" test $? -ne 0
fi

fi  # root

# ---------------------------------------------------------------------------------------------------------------
echo "== systemd unit and docs"
unit="$repo/deploy/ibmi-mcp.service"
if command -v systemd-analyze > /dev/null 2>&1; then
  # verify checks that ExecStart exists: point it at the binary under test, everything else unchanged.
  mkdir -p "$work/unit" && sed "s#/usr/local/bin/ibmi-mcp#$bin#g" "$unit" > "$work/unit/ibmi-mcp.service"
  if systemd-analyze verify "$work/unit/ibmi-mcp.service" > "$work/verify.log" 2>&1; then
    ok "systemd-analyze verify deploy/ibmi-mcp.service"
  else
    cat "$work/verify.log"; bad "systemd-analyze verify deploy/ibmi-mcp.service"
  fi
  if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
    systemd-analyze security --offline=true "$work/unit/ibmi-mcp.service" > "$work/security.log" 2>&1
    exposure=$(grep -oE 'Overall exposure level for .*: [0-9.]+' "$work/security.log" | grep -oE '[0-9.]+$')
    check "systemd-analyze security rates the unit's exposure ≤ 2.0 ($exposure)" awk "BEGIN{exit !(\"$exposure\" != \"\" && $exposure <= 2.0)}"
  else
    skip "systemd-analyze security --offline" "this systemd ($(systemd-analyze --version | head -1)) has no offline mode"
  fi
else
  skip "systemd-analyze verify" "systemd-analyze not installed"
fi
for key in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
           "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "CapabilityBoundingSet=" "SystemCallFilter=@system-service" \
           MemoryDenyWriteExecute=yes DynamicUser=yes "LoadCredential=private.pem:" "EnvironmentFile="; do
  grep -qF "$key" "$unit" || bad "unit sets $key"
done
ok "unit sets the hardening options the docs describe"

for doc in operations tls clients troubleshooting; do
  [ -f "docs/$doc.md" ] || bad "docs/$doc.md exists"
done
if [ -f docs/operations.md ]; then
  check "docs/operations.md reports the measured image size" grep -qE 'image size|Image size' docs/operations.md
  check "docs name every verb the suite exercised (keygen, token, healthcheck)" \
    bash -c "grep -q 'ibmi-mcp keygen' docs/operations.md && grep -q 'ibmi-mcp token' docs/clients.md && grep -q 'ibmi-mcp healthcheck' docs/operations.md"
fi
# Every ibmi-mcp verb and flag written in the docs exists: each `ibmi-mcp VERB --flag` in a code block is run with --help.
doc_errors=""
while read -r verb; do
  help=$("$bin" "$verb" --help 2>&1) && continue
  if grep -q 'not available in this build' <<<"$help"; then
    skip "docs use 'ibmi-mcp $verb'" "that verb is not in this build yet"
  else
    doc_errors="$doc_errors $verb"
  fi
done < <(cat docs/*.md 2>/dev/null | grep -oE 'ibmi-mcp (keygen|token|healthcheck|tools)' | awk '{print $2}' | sort -u)
check "every ibmi-mcp verb used in docs/ exists in the binary${doc_errors:+ (unknown:$doc_errors)}" test -z "$doc_errors"
flag_errors=""
while read -r verb flag; do
  "$bin" "$verb" --help 2>&1 | grep -qF -- "$flag" || flag_errors="$flag_errors $verb:$flag"
done < <(cat docs/*.md 2>/dev/null | grep -oE 'ibmi-mcp (keygen|token|healthcheck)( +(-[a-z]|--[a-z-]+)( +[^- ][^ ]*)?)+' \
         | awk '{for (i = 3; i <= NF; i++) if ($i ~ /^--[a-z]/) print $2, $i}' | sort -u)
check "every flag docs/ passes to keygen/token/healthcheck is in that verb's --help${flag_errors:+ (unknown:$flag_errors)}" test -z "$flag_errors"

echo
echo "image size (uncompressed rootfs): ${image_size:-unknown}"
finish
