#!/usr/bin/env python3
"""Issue 28's hot paths, all from one run, ours beside the reference where one exists:
  1. a whole `sql` call of the command line (process start to rows printed): wall time and CPU, ours and the reference
     CLI's, interleaved, the same statement against the same emulator;
  2. tools/call server CPU per request at 32 connections: a one-row YAML tool and execute_sql, ours (auth none on the
     server pool, and IBM i sign-on on the caller's pool) and the reference server's (auth none);
  3. sign-on server CPU: the first sign-on of a fresh process (pinned, not verified, and pinned with the OAuth
     authorization server on), and steady sign-on (10 warm-up, then measured) with the sessions kept (pools left
     open, or each idle connection closed after 1 s inside the window) or signed out, the emulator's certificate
     pinned or not verified; each sign-on asks for poolstart 1 (one IBM i job), and one more row for poolstart 2,
     the default of the server and of the token command;
  After the tools/call rows and the steady sign-on rows, the floor of each: the work it cannot skip, done alone by the
  server's own Mapepire code in bench/IbmiMcp.Load (JIT, tiered compilation off, the binary's thread-pool and GC
  settings): the one-row statement through the server's pool by 32 concurrent callers without HTTP and MCP, and a
  sign-on's RSA unwrap, Mapepire connection and profile read without the server;
  4. then bench/measure-startup.py (start-up, idle RSS, size, 10,000 live sessions), to show nothing regressed.
   python3 bench/measure-hotpaths.py [path/to/ibmi-mcp] [runs] [--skip-startup]
The reference is built from IBM/ibmi-mcp-server (REF_REPO, default the session's mirror) into artifacts/ref-cli with
npm install + npm run build. It reaches Mapepire on port 8076 whatever it is told, so 127.0.0.1:8076 must be free.
Prints markdown for bench/RESULTS.md."""
import os, re, resource, statistics, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib
from benchlib import free_port, wait_healthz, load, median, root, cpu_ms

args = [a for a in sys.argv[1:] if not a.startswith("--")]
binary = os.path.abspath(args[0] if args else os.path.join(root, "artifacts/publish/linux-x64/ibmi-mcp"))
runs = int(args[1]) if len(args) > 1 else 11
ref_repo = os.environ.get("REF_REPO", "/work/.mirror/IBM+ibmi-mcp-server/repo")
ref_dir = os.path.join(root, "artifacts/ref-cli")
work = tempfile.mkdtemp()
children = []


def build_reference():
    if os.path.exists(f"{ref_dir}/packages/cli/dist/index.js") and os.path.exists(f"{ref_dir}/packages/server/dist/index.js"):
        return True
    if not os.path.isdir(ref_repo):
        return False
    subprocess.run(f"rm -rf {ref_dir} && mkdir -p {ref_dir} && git -C {ref_repo} archive HEAD | tar -x -C {ref_dir}", shell=True, check=True)
    subprocess.run("npm install --no-audit --no-fund --ignore-scripts && npm run build", shell=True, cwd=ref_dir, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return True


def timed(cmd, env):
    """Wall ms and CPU ms (user + system of the process and its children) of one run; stops on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0 or "ONE" not in out.stdout:
        raise SystemExit(f"{cmd[0]} failed ({out.returncode}): {out.stderr[:500]}")
    return wall, ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000


def reference_server(port, tools_file):
    env = benchlib.clean_env({
        "MCP_TRANSPORT_TYPE": "http", "MCP_HTTP_PORT": str(port), "MCP_HTTP_HOST": "127.0.0.1", "MCP_SESSION_MODE": "stateless",
        "MCP_LOG_LEVEL": "error", "DB2i_HOST": "localhost", "DB2i_USER": "MCPUSER", "DB2i_PASS": "mcppass1",
        "DB2i_IGNORE_UNAUTHORIZED": "true", "NODE_ENV": "production", "IBMI_ENABLE_EXECUTE_SQL": "true", "MCP_RATE_LIMIT_ENABLED": "false",
    })
    p = subprocess.Popen(["node", f"{ref_dir}/packages/server/dist/index.js", "--tools", tools_file], env=env, cwd=work,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(p)
    for _ in range(300):
        try:
            benchlib.mcp(port, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
            return p
        except Exception:
            time.sleep(0.1)
    raise SystemExit("the reference server did not answer")


def call_cpu(url, pid, tool, arguments, token=None):
    extra = ["--token", token] if token else []
    out = load("--url", url, *extra, "--tool", tool, "--args", arguments, "--seconds", "10", "--clients", "32", "--pid", str(pid))
    m = re.search(rf"tools/call {tool}: server CPU ([\d.]+) ms", out)
    row = next(l for l in out.splitlines() if l.startswith(f"| tools/call {tool}"))
    # No CPU line: no call succeeded (the harness counts a JSON-RPC error or an isError result as a failure).
    return (float(m.group(1)) if m else None), row.split("|")[2].strip() + ("" if m else f" (errors: {row.split('|')[6].strip()})")


def ms(value): return "n/a" if value is None else f"{value:.3f} ms"


# The binary's runtime settings (its project file) for the JIT'd floors, and nothing compiled in the measured window.
FLOOR_ENV = {"DOTNET_TieredCompilation": "0", "DOTNET_TieredPGO": "0", "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit": "0",
             "DOTNET_GCgen0size": "400000"}


def floor(*a):
    return subprocess.run(["dotnet", "run", "-c", "Release", "--no-build", "--project", os.path.join(root, "bench/IbmiMcp.Load"), "--", *a],
                          capture_output=True, text=True, check=True, env={**os.environ, **FLOOR_ENV}).stdout


def signon_env(keys, eport, ignore):
    return benchlib.ibmi_auth_env(keys, eport, f"{work}/emu.pem", ignore=ignore)


try:
    print(benchlib.machine_line(binary))
    have_ref = build_reference()
    benchlib.build_load()
    try:
        emu, eport = benchlib.start_emulator(children, f"{work}/emu.pem", port=8076)
    except Exception:
        raise SystemExit("127.0.0.1:8076 is taken: the reference can only reach that port")
    one_row = f"{work}/ping.yaml"
    with open(one_row, "w") as f:
        f.write("sources:\n  ibmi: { host: localhost, user: MCPUSER, password: mcppass1, port: 8076 }\n"
                "tools:\n  ping:\n    source: ibmi\n    description: A one-row query\n    statement: SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1\n")

    # 1. The command line: both read the same ~/.ibmi/config.yaml (a temp HOME), certificate not verified (the default).
    home = f"{work}/home"
    os.makedirs(home)
    cli_env = benchlib.clean_env({"HOME": home, "BENCH_PASS": "mcppass1"})
    subprocess.run([binary, "system", "add", "bench", "--host", "localhost", "--port", "8076", "--user", "MCPUSER", "--password", "${BENCH_PASS}",
                    "--format", "csv"], env=cli_env, check=True, capture_output=True)
    subprocess.run([binary, "system", "default", "bench", "--format", "csv"], env=cli_env, check=True, capture_output=True)
    sql = "SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"
    ours_cmd = [binary, "sql", sql, "--format", "json"]
    ref_cmd = ["node", f"{ref_dir}/packages/cli/dist/index.js", "sql", sql, "--format", "json"]
    ours, ref = [], []
    timed(ours_cmd, cli_env)
    if have_ref: timed(ref_cmd, cli_env)
    for _ in range(runs):
        ours.append(timed(ours_cmd, cli_env))
        if have_ref: ref.append(timed(ref_cmd, cli_env))
    print()
    print(f"| whole `sql` call, {runs} interleaved runs, median | wall ms | CPU ms |")
    print("|---|---|---|")
    ow, oc = median([w for w, _ in ours]), median([c for _, c in ours])
    print(f"| ibmi-mcp sql | {ow:.1f} | {oc:.1f} |")
    if have_ref:
        rw, rc = median([w for w, _ in ref]), median([c for _, c in ref])
        print(f"| reference ibmi sql | {rw:.1f} | {rc:.1f} |")
        print(f"| ratio (reference / ours) | {rw / ow:.1f}× | {rc / oc:.1f}× |")

    # 2. tools/call server CPU at 32 connections.
    print()
    print("| tools/call at 32 connections, 10 s (+2 s warm-up) | req/s | server CPU per request |")
    print("|---|---|---|")
    port = free_port()
    server = benchlib.serve(children, binary, port, {"DB2i_HOST": "localhost", "DB2i_PORT": "8076", "DB2i_USER": "MCPUSER", "DB2i_PASS": "mcppass1",
                                                     "DB2i_IGNORE_UNAUTHORIZED": "false", "DB2i_CA_PATH": f"{work}/emu.pem", "MCP_LOG_LEVEL": "warning",
                                                     "YAML_AUTO_RELOAD": "false", "IBMI_ENABLE_EXECUTE_SQL": "true"},
                            with_tools=False, extra_args=("--tools", one_row))
    wait_healthz(port)
    url = f"http://127.0.0.1:{port}/mcp"
    for tool, arguments in (("ping", "{}"), ("execute_sql", '{"sql":"SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"}')):
        cpu, rate = call_cpu(url, server.pid, tool, arguments)
        print(f"| ibmi-mcp, auth none (server pool, pinned CA): {tool} | {rate} | {ms(cpu)} |")
    server.terminate(); server.wait(); children.remove(server)
    m = re.search(r"call floor: ([\d,]+) calls/s, CPU ([\d.]+) ms", floor("--call-floor", "10", "--emulator-port", str(eport), "--ca", f"{work}/emu.pem"))
    print(f"| floor: the ping statement through the server's pool alone, 32 callers, no HTTP or MCP (JIT) | {m.group(1)} | {float(m.group(2)):.3f} ms |")

    keys = f"{work}/keys"
    subprocess.run([binary, "keygen", "--dir", keys, "--key-id", "bench", "--bits", "2048"], check=True, capture_output=True)
    port = free_port()
    server = benchlib.serve(children, binary, port, signon_env(keys, eport, ignore=False), with_tools=False, extra_args=("--tools", one_row))
    wait_healthz(port)
    token = re.search(r'"(.+)"', subprocess.run([binary, "token", "--server", "127.0.0.1", "--port", str(port), "-u", "ALICE", "-p", "alice123",
                                                  "-h", "localhost", "--quiet"], capture_output=True, text=True, check=True).stdout).group(1)
    for tool, arguments in (("ping", "{}"), ("execute_sql", '{"sql":"SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"}')):
        cpu, rate = call_cpu(f"http://127.0.0.1:{port}/mcp", server.pid, tool, arguments, token)
        print(f"| ibmi-mcp, IBM i sign-on (the caller's pool, pinned CA): {tool} | {rate} | {ms(cpu)} |")
    server.terminate(); server.wait(); children.remove(server)

    if have_ref:
        port = free_port()
        ref_server = reference_server(port, one_row)
        for tool, arguments in (("ping", "{}"), ("execute_sql", '{"sql":"SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"}')):
            cpu, rate = call_cpu(f"http://127.0.0.1:{port}/mcp", ref_server.pid, tool, arguments)
            print(f"| reference server, auth none (server pool): {tool} | {rate} | {ms(cpu)} |")
        ref_server.terminate(); ref_server.wait(); children.remove(ref_server)

    # 3. Sign-on CPU: the first of a fresh process (5 processes each), then steady sign-on.
    print()
    print("| sign-on server CPU (RSA-2048 envelope key, the emulator's work excluded) | pinned CA | not verified |")
    print("|---|---|---|")
    firsts = {}
    # The third column: pinned, with the OAuth authorization server on (client metadata documents load the system
    # roots on their first fetch, not on the first IBM i sign-on).
    for variant in ("pinned", "ignore", "oauth"):
        values = []
        for _ in range(5):
            port = free_port()
            env = signon_env(keys, eport, variant == "ignore")
            if variant == "oauth":
                env.update({"IBMI_AUTH_OAUTH_SERVER": "true", "IBMI_PUBLIC_URL": f"http://127.0.0.1:{port}"})
            server = benchlib.serve(children, binary, port, env, with_tools=False)
            wait_healthz(port)
            time.sleep(0.5)
            before = cpu_ms(server.pid)
            load("--signon", "1", "--base", f"http://127.0.0.1:{port}", "--host", "localhost", "--keep")
            values.append(cpu_ms(server.pid) - before)
            server.terminate(); server.wait(); children.remove(server)
        firsts[variant] = median(values)
    print(f"| first sign-on of a fresh process, median of 5 | {firsts['pinned']:.1f} ms | {firsts['ignore']:.1f} ms |")
    print(f"| first sign-on of a fresh process, median of 5, OAuth authorization server on | {firsts['oauth']:.1f} ms | |")
    # Kept sessions: with the server's default idle timeout (300 s) their connections stay open, so the figure is the
    # sign-on alone; with benchlib's 1 s idle timeout each connection is also closed inside the measured window, so
    # that row is sign-on plus the close of its idle connection. Signed out: the sign-out's CPU is taken out.
    for label, keep, idle, start in (("sessions kept, pools open (default idle timeout)", True, None, "1"),
                                     ("sessions kept, each idle connection closed after 1 s", True, "1000", "1"),
                                     ("sessions signed out", False, None, "1"),
                                     ("poolstart 2 (the default), sessions kept, pools open", True, None, "2")):
        cells = []
        for ignore in (False, True):
            port = free_port()
            env = signon_env(keys, eport, ignore)
            if idle is None: env.pop("MCP_POOL_IDLE_TIMEOUT_MS")
            server = benchlib.serve(children, binary, port, env, with_tools=False)
            wait_healthz(port)
            opts = ["--host", "localhost", "--poolstart", start, *(["--keep"] if keep else [])]
            load("--signon", "10", "--base", f"http://127.0.0.1:{port}", *opts)
            out = load("--signon", "300", "--base", f"http://127.0.0.1:{port}", "--pid", str(server.pid), *opts)
            cells.append(re.search(r"server CPU ([\d.]+) ms", out).group(1) + " ms")
            server.terminate(); server.wait(); children.remove(server)
        print(f"| steady sign-on (10 warm-up, then 300), {label} | {cells[0]} | {cells[1]} |")
    m = re.search(r"CPU ([\d.]+) ms", floor("--signon-floor", "300", "--emulator-port", str(eport), "--ca", f"{work}/emu.pem",
                                             "--key", f"{keys}/private.pem", "--host", "localhost"))
    print(f"| floor: a sign-on's RSA unwrap, one Mapepire connection and the profile read, alone (JIT; 10 warm-up, then 300, kept) | {m.group(1)} ms | |")
    emu.terminate(); emu.wait(); children.remove(emu)

    # 4. Nothing else regressed.
    if "--skip-startup" not in sys.argv:
        print()
        sys.stdout.flush()
        subprocess.run([sys.executable, os.path.join(root, "bench/measure-startup.py"), binary, "20"], check=True)
finally:
    for c in children:
        try: c.kill()
        except Exception: pass
