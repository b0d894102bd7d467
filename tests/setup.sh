#!/usr/bin/env bash
# What the test suites need beyond the .NET 10 SDK, installed from Debian's packages. tests/run-all.sh (the README's
# test command) runs this first, so a fresh machine sets itself up: as root with apt-get it installs what is
# missing; otherwise it stops at once, names the packages and the one command that installs them.
#   bash tests/setup.sh           install (or name) what is missing, then return
#   bash tests/setup.sh --list    print the missing packages, install nothing
# Each line: a command the suites run (or a file they read) and the Debian package that provides it.
set -uo pipefail

# command-or-path   package        who needs it
requirements=(
  "clang            clang          AOT publish (the native linker)"
  "/usr/include/zlib.h zlib1g-dev  AOT publish (libz for the runtime)"
  "node             nodejs         official MCP clients, mapepire-js, OAuth provider, browser tests"
  "npm              npm            installs those clients"
  "curl             curl           the demo and the shell suites"
  "python3          python3        free ports in the shell suites"
  "strace           strace         the deployment suite's system-call filter check"
  "nm               binutils       the code layout check (published symbols)"
  "readelf          binutils       the code layout check"
  "systemd-analyze  systemd        the deployment suite checks the unit file"
  "redis-server     redis-server   scale-out and shared-session tests (a real Redis on a free port)"
  "/usr/sbin/haproxy haproxy       scale-out tests (a real load balancer in front of replicas)"
  "afl-fuzz         afl++          the fuzz smoke suite"
  "promtool         prometheus     the metrics suite (promtool check metrics; a real Prometheus runs the dashboard's queries)"
  "chromium         chromium       the OAuth sign-in page suite (a real browser, driven by npm puppeteer-core)"
  "openssl          openssl        the OAuth suite's https server for client metadata documents (a test certificate)"
)

missing=()
for line in "${requirements[@]}"; do
  read -r what package _ <<<"$line"
  if [[ "$what" == /* ]]; then [ -e "$what" ] && continue; else command -v "$what" >/dev/null 2>&1 && continue; fi
  [[ " ${missing[*]:-} " == *" $package "* ]] || missing+=("$package")
done

if [ "${1:-}" = "--list" ]; then printf '%s\n' "${missing[@]:-}"; exit 0; fi
if [ ${#missing[@]} -eq 0 ]; then echo "setup: every package the suites need is installed"; exit 0; fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "setup: apt-get could not install ${missing[*]}" >&2
    exit 1
  fi
  # The packages' own services are not wanted: the tests start their own instances on free loopback ports.
  for service in redis-server haproxy prometheus prometheus-node-exporter; do
    command -v systemctl >/dev/null 2>&1 && systemctl stop "$service" >/dev/null 2>&1
    command -v service >/dev/null 2>&1 && service "$service" stop >/dev/null 2>&1
  done
  exit 0
fi

echo "setup: the test suites need these Debian packages, which are not installed: ${missing[*]}" >&2
echo "setup: install them with:  sudo apt-get install -y ${missing[*]}" >&2
exit 1
