#!/usr/bin/env python3
"""The foundation figures (issues 2 and 17), all from one run of today's binary:
  binary size; spawn -> first /healthz 200 with the shipped tools loaded (median of RUNS); idle RSS after it; the
  first tools/list after start-up; server CPU and latency per sign-on (POST /api/v1/auth against the emulator);
  tools/call req/s at 32 clients, server CPU per tools/call, RSS after that load; RSS above idle with 10,000 live idle
  sessions (right after the sign-ons and once the server is quiet); managed bytes kept per live idle session.
   python3 bench/measure-startup.py [path/to/ibmi-mcp] [runs] [--startup-only]
Needs the emulator's Release build and bench/IbmiMcp.Load (built here). Prints markdown for bench/RESULTS.md."""
import json, os, re, subprocess, sys, tempfile, time, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib
from benchlib import free_port, rss_mib, wait_healthz, mcp, load, median, emulator_dll, tools, root

args = [a for a in sys.argv[1:] if not a.startswith("--")]
binary = os.path.abspath(args[0] if args else "artifacts/publish/linux-x64/ibmi-mcp")
runs = int(args[1]) if len(args) > 1 else 20
startup_only = "--startup-only" in sys.argv
work = tempfile.mkdtemp()
children = []

def rss_by_mapping(pid):
    """Resident KiB of the program's own code, type data and read-only data, and of everything else (heap, stacks, libc)."""
    parts = {"code": 0, "data": 0, "rodata": 0, "other": 0}
    kind = "other"
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and ":" not in fields[0]:
                own = len(fields) > 5 and fields[5] == binary
                kind = {"r-xp": "code", "rw-p": "data", "r--p": "rodata"}.get(fields[1], "other") if own else "other"
            elif fields[0] == "Rss:":
                parts[kind] += int(fields[1])
    return parts

def serve(port, env_extra, extra_args=()):
    return benchlib.serve(children, binary, port, env_extra, extra_args)

try:
    size = os.path.getsize(binary)
    print(benchlib.machine_line(binary))
    print("| figure | value |")
    print("|---|---|")
    print(f"| binary size | {size:,} bytes ({size / 1048576:.1f} MiB) |")

    # Start-up with the shipped tools, auth none (the default), nothing else configured.
    times, rss, first_list, parts = [], [], [], []
    for _ in range(runs):
        port = free_port()
        start = time.perf_counter()
        p = serve(port, {"MCP_SESSION_MODE": "stateless"})
        wait_healthz(port)
        times.append((time.perf_counter() - start) * 1000)
        t = time.perf_counter(); mcp(port, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}); first_list.append((time.perf_counter() - t) * 1000)
        time.sleep(0.5)
        rss.append(rss_mib(p.pid))
        parts.append(rss_by_mapping(p.pid))
        p.terminate(); p.wait(); children.remove(p)
    print(f"| spawn → first /healthz 200 (shipped tools loaded), median of {runs} | {median(times):.1f} ms (min {min(times):.1f}, max {max(times):.1f}) |")
    print(f"| first tools/list after start-up | {median(first_list):.1f} ms |")
    print(f"| idle RSS after the first requests | {median(rss):.1f} MiB |")
    print("| idle RSS by mapping: the program's code / type data / read-only data / the rest (heap, stacks, libc) | "
          + " / ".join(f"{median([x[k] for x in parts]) / 1024:.1f}" for k in ("code", "data", "rodata", "other")) + " MiB |")
    if startup_only:
        raise SystemExit(0)

    benchlib.build_load()
    emu, eport = benchlib.start_emulator(children, f"{work}/emu.pem")
    # IBM i's certificate names the host (no IP SAN), so real configurations connect by name; so does this run
    # (the emulator's certificate names localhost). By name, the TLS context is cached and sessions resume.
    def auth_env_for(keys):
        return benchlib.ibmi_auth_env(keys, eport, f"{work}/emu.pem")
    # The envelope key's size is the shop's choice: 2048 bits is the reference's documented key, 3072 is what
    # `ibmi-mcp keygen` makes by default. The RSA private-key operation is most of the difference.
    for bits in (3072, 2048):
        keys = f"{work}/keys{bits}"
        subprocess.run([binary, "keygen", "--dir", keys, "--key-id", "bench", "--bits", str(bits)], check=True, capture_output=True)
        port = free_port()
        server = serve(port, auth_env_for(keys))
        wait_healthz(port)
        out = load("--signon", "100", "--base", f"http://127.0.0.1:{port}", "--pid", str(server.pid), "--host", "localhost")
        m = re.search(r"median ([\d.]+) ms.*server CPU ([\d.]+) ms", out)
        print(f"| sign-on (POST /api/v1/auth, 100 sequential, fresh envelopes, RSA-{bits} envelope key): median latency | {m.group(1)} ms |")
        print(f"| sign-on, RSA-{bits}: server CPU per sign-on (the emulator's work excluded) | {m.group(2)} ms |")
        if bits != 2048:
            server.terminate(); server.wait(); children.remove(server)
    auth_env = auth_env_for(f"{work}/keys2048")   # the 2048-bit server (the loop's last) carries on below

    token = re.search(r'"(.+)"', subprocess.run([binary, "token", "--server", "127.0.0.1", "--port", str(port), "-u", "ALICE", "-p", "alice123",
                                                  "-h", "localhost", "--quiet"], capture_output=True, text=True, check=True).stdout).group(1)
    out = load("--url", f"http://127.0.0.1:{port}/mcp", "--token", token, "--tool", "execute_sql",
               "--args", '{"sql":"SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"}', "--seconds", "10", "--clients", "32", "--pid", str(server.pid))
    row = next(l for l in out.splitlines() if l.startswith("| tools/call"))
    cpu = re.search(r"tools/call execute_sql: server CPU ([\d.]+) ms", out).group(1)
    print(f"| tools/call execute_sql, 32 clients, 10 s: req/s | {row.split('|')[2].strip()} (p50 {row.split('|')[3].strip()} ms) |")
    print(f"| tools/call: server CPU per request | {cpu} ms |")
    print(f"| RSS after the load run | {rss_mib(server.pid):.1f} MiB |")
    server.terminate(); server.wait(); children.remove(server)

    # Memory per live session, the yardstick: 10,000 sign-ons kept, their pools idle (connections closed after
    # MCP_POOL_IDLE_TIMEOUT_MS), RSS above idle right after them and once the server has been quiet long enough for
    # the shipped idle trim (MCP_MEMORY_TRIM_INTERVAL_MS, default 30 s: the first quiet tick after the burst trims).
    n = 10000
    port = free_port()
    server = serve(port, auth_env)
    wait_healthz(port)
    load("--signon", "20", "--base", f"http://127.0.0.1:{port}", "--host", "localhost")   # warm up the sign-on path (signed out again)
    time.sleep(3)
    before = rss_mib(server.pid)
    load("--signon", str(n), "--base", f"http://127.0.0.1:{port}", "--keep", "--host", "localhost")
    time.sleep(5)   # the pools' idle connections close (1 s idle timeout + the pruning interval)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as r:
        sessions = json.loads(r.read())["checks"]["sessions"]
    burst = rss_mib(server.pid)
    time.sleep(65)  # two trim intervals: the first tick still sees the burst's allocations, the next one is quiet
    quiet = rss_mib(server.pid)
    count = max(1, sessions["sessions"])
    print(f"| live idle sessions: {sessions['sessions']} sessions, {sessions['connections']} open connections; RSS {before:.1f} MiB before | "
          f"+{burst - before:.1f} MiB right after the sign-ons, +{quiet - before:.1f} MiB once quiet ({(quiet - before) * 1024 / count:.1f} KiB per session) |")
    server.terminate(); server.wait(); children.remove(server)
    # RSS also holds what the GC and malloc keep for the next burst; the managed bytes a session itself keeps come from
    # the same sign-on path run in-process with full GCs before and after (bench/IbmiMcp.Load/RetainedRun.cs).
    m = re.search(r"retained: (\d+) live sessions, (\d+) open connections, ([\d,]+) bytes per session", load("--retained", "2000"))
    print(f"| managed bytes kept per live idle session ({m.group(1)} sessions, {m.group(2)} open connections, full GC before and after) | {m.group(3)} B |")
finally:
    for c in children:
        try: c.kill()
        except Exception: pass
