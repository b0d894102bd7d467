#!/usr/bin/env python3
"""Issue 27's figures for the OAuth authorization server, from one run against the emulator:
  - the sign-in page's weight (HTML as rendered, plus its stylesheet and script);
  - server CPU per step: the page, the sign-in POST (an IBM i sign-on), the code exchange, a refresh (an IBM i sign-on
    again), beside a plain POST /api/v1/auth sign-on (the same IBM i work without OAuth) from the same server;
  - the time from the sign-in POST to the client's first tools/call result (POST, redirect, exchange, initialize, call);
  - start-up (spawn to /healthz), RSS after start, and the first and second OAuth requests, IBMI_AUTH_OAUTH_SERVER off
    and on, interleaved (7 pairs).
  - with --baseline OTHER (e.g. main's binary): start-up and RSS of OTHER beside this one, OAuth off, 11 pairs.
   python3 bench/measure-oauth.py [path/to/ibmi-mcp] [rounds] [--baseline path/to/other/ibmi-mcp]
Prints markdown for bench/RESULTS.md."""
import os, statistics, subprocess, sys, tempfile, time, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib
from benchlib import free_port, wait_healthz, load, root

argv = sys.argv[1:]
baseline = None
if "--baseline" in argv:
    i = argv.index("--baseline"); baseline = os.path.abspath(argv[i + 1]); del argv[i:i + 2]
args = argv
binary = os.path.abspath(args[0] if args else os.path.join(root, "artifacts/publish/linux-x64/ibmi-mcp"))
rounds = args[1] if len(args) > 1 else "300"
work = tempfile.mkdtemp()
children = []
try:
    benchlib.build_load()
    cert = os.path.join(work, "emulator.pem")
    _, eport = benchlib.start_emulator(children, cert)
    keys = os.path.join(work, "keys")
    subprocess.run([binary, "keygen", "--dir", keys, "--key-id", "bench", "--bits", "2048"], check=True, capture_output=True)
    port = free_port()
    env = benchlib.ibmi_auth_env(keys, eport, cert)
    env.update({"IBMI_AUTH_OAUTH_SERVER": "true", "IBMI_PUBLIC_URL": f"http://127.0.0.1:{port}", "MCP_POOL_IDLE_TIMEOUT_MS": "300000",
                "IBMI_AUTH_MAX_FAILED_ATTEMPTS": "1000"})
    server = benchlib.serve(children, binary, port, env)
    wait_healthz(port, server)
    print(benchlib.machine_line(binary))
    print(f"# python3 bench/measure-oauth.py {binary} {rounds}")
    print(load("--oauth", rounds, "--base", f"http://127.0.0.1:{port}", "--pid", str(server.pid), "--user", "ALICE", "--password", "alice123").strip())
    print(load("--signon", rounds, "--base", f"http://127.0.0.1:{port}", "--pid", str(server.pid), "--host", "localhost").strip())
    server.terminate(); server.wait()

    def start(oauth, binary=binary):
        p = free_port()
        e = benchlib.ibmi_auth_env(keys, eport, cert)
        if oauth: e.update({"IBMI_AUTH_OAUTH_SERVER": "true", "IBMI_PUBLIC_URL": f"http://127.0.0.1:{p}"})
        t0 = time.perf_counter()
        proc = benchlib.serve(children, binary, p, e)
        wait_healthz(p, proc)
        ready = (time.perf_counter() - t0) * 1000
        rss = benchlib.rss_mib(proc.pid)
        first = second = None
        if oauth:
            for i in range(2):
                t = time.perf_counter()
                urllib.request.urlopen(f"http://127.0.0.1:{p}/.well-known/oauth-authorization-server").read()
                (first, second) = ((time.perf_counter() - t) * 1000, None) if i == 0 else (first, (time.perf_counter() - t) * 1000)
        proc.terminate(); proc.wait()
        return ready, rss, first, second
    off, on = [], []
    for _ in range(7):
        off.append(start(False)); on.append(start(True))
    med = lambda rows, i: statistics.median(r[i] for r in rows)
    print(f"start-up, median of 7 interleaved: ready {med(off, 0):.1f} ms off / {med(on, 0):.1f} ms on; RSS after start {med(off, 1):.1f} / "
          f"{med(on, 1):.1f} MiB; first OAuth request {med(on, 2):.1f} ms (builds OpenIddict's services), second {med(on, 3):.2f} ms")
    if baseline:
        base, this = [], []
        for _ in range(11):
            base.append(start(False, baseline)); this.append(start(False))
        print(f"against {baseline}, OAuth off, median of 11 interleaved: ready {med(base, 0):.1f} vs {med(this, 0):.1f} ms; "
              f"RSS after start {med(base, 1):.1f} vs {med(this, 1):.1f} MiB")
finally:
    for c in children:
        c.terminate()
