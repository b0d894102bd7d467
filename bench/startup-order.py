#!/usr/bin/env python3
"""Writes src/IbmiMcp.Aot/startup.order: the managed methods the server runs, in the order the linker should lay
them out (ILC's --method-layout:explicit). Without it ILC places methods by name, so the ~1.2 MB of code that
start-up runs is spread over the 9 MiB of code and the kernel's 64 KiB fault-around maps nearly all of it.

It runs the unstripped binary of the last ./publish.sh under valgrind's callgrind (instruction-exact, no sampling),
twice, on loopback only:
  1. start-up as bench/measure-startup.py measures it (auth none, the shipped tools), /healthz, tools/list;
  2. a serving run against the emulator: IBM i sign-on (POST /api/v1/auth through `ibmi-mcp token`),
     tools/list, tools/call of execute_sql and of a YAML tool, as a user's agent would.
Every executed address is mapped to its symbol through the .dbg file. The order file lists the methods of run 1
first, then those only run 2 ran; each group sorted by name, so a rerun on unchanged code gives the same file.
Names ILC no longer has are skipped by it; methods that are new since the last run go after the listed ones.
   python3 bench/startup-order.py            # rewrite the order file
   python3 bench/startup-order.py --check    # only report how much of what runs today the file still covers
Needs valgrind (apt-get install -y valgrind), binutils' nm and the emulator's Release build."""
import json, os, re, shutil, signal, subprocess, sys, tempfile, time, urllib.request, bisect
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib
from benchlib import free_port, clean_env, root

native = os.path.join(root, "src/IbmiMcp.Aot/bin/Release/net10.0/linux-x64/native")
order_file = os.path.join(root, "src/IbmiMcp.Aot/startup.order")
check = "--check" in sys.argv
work = tempfile.mkdtemp()
children = []

def wait_healthz(port, proc):
    benchlib.wait_healthz(port, proc, deadline_s=300, poll=0.2)   # valgrind runs the server ~50 times slower

def mcp(port, body, token=None):
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    if token: headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(f"http://127.0.0.1:{port}/mcp", data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(req, timeout=120) as r:
        out = r.read()
    if b'"error"' in out[:200] or b'"isError":true' in out:
        raise SystemExit(f"{body['method']} failed under the profiler: {out[:300]!r}")

def profiled(name, env, steps):
    """Runs the server under callgrind through `steps(port)`, dumps what ran so far (not the shutdown) and stops it."""
    port = free_port()
    out = os.path.join(work, name)
    p = subprocess.Popen(["valgrind", "--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={out}", binary, "--transport", "http", "--host", "127.0.0.1", "--port", str(port),
                          "--tools", os.path.join(root, "tools")],
                         env=clean_env({"MCP_SESSION_MODE": "stateless", **env}), stdout=subprocess.DEVNULL, stderr=open(out + ".log", "w"))
    children.append(p)
    wait_healthz(port, p)
    steps(port)
    subprocess.run(["callgrind_control", "--dump", str(p.pid)], check=True, capture_output=True)
    for _ in range(600):
        if os.path.exists(out + ".1"): break
        time.sleep(0.1)
    else:
        raise SystemExit(f"callgrind wrote no dump for the {name} run (see {out}.log)")
    time.sleep(1)
    p.send_signal(signal.SIGTERM); p.wait(); children.remove(p)
    return out + ".1"

def executed_addresses(callgrind_out, text_start, text_end):
    """Instruction addresses callgrind counted inside the binary's code (managed code shows as object '???')."""
    names, current, last, seen = {}, None, 0, set()
    for line in open(callgrind_out):
        if line.startswith(("ob=", "cob=")):
            m = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line.strip())
            if m.group(2): names[m.group(1)] = m.group(2)
            if line.startswith("ob="): current = names.get(m.group(1))
            continue
        if line.startswith(("0x", "+", "-", "*")):
            tok = line.split()[0]
            pos = int(tok, 16) if tok.startswith("0x") else last + int(tok[1:]) if tok[0] == "+" else last - int(tok[1:]) if tok[0] == "-" else last
            last = pos
            if text_start <= pos < text_end: seen.add(pos)
    return seen

def managed_code_symbols():
    sections = subprocess.run(["readelf", "-SW", os.path.join(native, "ibmi-mcp.dbg")], capture_output=True, text=True).stdout
    m = re.search(r"__managedcode\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", sections)
    start, size = int(m.group(1), 16), int(m.group(2), 16)
    symbols = []
    for line in subprocess.run(["nm", "-n", "--defined-only", os.path.join(native, "ibmi-mcp.dbg")], capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and start <= int(parts[0], 16) < start + size:
            symbols.append((int(parts[0], 16), parts[2]))
    return start, start + size, symbols

def methods_run(callgrind_out, start, end, symbols):
    starts = [a for a, _ in symbols]
    ran = set()
    for a in executed_addresses(callgrind_out, start, end):
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0: ran.add(symbols[i][1])
    return ran

def startup(port):
    mcp(port, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})

def serving(eport, keys):
    def steps(port):
        out = subprocess.run([binary, "token", "--server", "127.0.0.1", "--port", str(port), "-u", "ALICE",
                              "-p", "alice123", "-h", "localhost", "--quiet"], capture_output=True, text=True, timeout=300)
        token = re.search(r'"(.+)"', out.stdout).group(1)
        mcp(port, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, token)
        for _ in range(3):
            mcp(port, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                       "params": {"name": "execute_sql", "arguments": {"sql": "SELECT * FROM SAMPLE.EMPLOYEE FETCH FIRST 5 ROWS ONLY"}}}, token)
            mcp(port, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                       "params": {"name": "find_employees", "arguments": {"name_contains": "haa"}}}, token)
    env = {"MCP_AUTH_MODE": "ibmi", "IBMI_HTTP_AUTH_ENABLED": "true", "IBMI_AUTH_ALLOW_HTTP": "true", "IBMI_AUTH_KEY_ID": "profile",
           "IBMI_AUTH_PRIVATE_KEY_PATH": f"{keys}/private.pem", "IBMI_AUTH_PUBLIC_KEY_PATH": f"{keys}/public.pem",
           "DB2i_HOST": "localhost", "DB2i_PORT": str(eport), "DB2i_IGNORE_UNAUTHORIZED": "false", "DB2i_CA_PATH": f"{work}/emu.pem",
           "IBMI_ENABLE_EXECUTE_SQL": "true"}
    return env, steps

try:
    # A copy without the .dbg beside it: valgrind's DWARF reader gives up on ILC's debug file (the symbols come from nm).
    binary = os.path.join(work, "ibmi-mcp")
    shutil.copy2(os.path.join(native, "ibmi-mcp"), binary)
    start, end, symbols = managed_code_symbols()
    first = methods_run(profiled("startup", {}, startup), start, end, symbols)

    emu, eport = benchlib.start_emulator(children, f"{work}/emu.pem")
    keys = f"{work}/keys"
    subprocess.run([binary, "keygen", "--dir", keys, "--key-id", "profile", "--bits", "2048"], check=True, capture_output=True)
    env, steps = serving(eport, keys)
    second = methods_run(profiled("serving", env, steps), start, end, symbols) - first

    wanted = sorted(first) + sorted(second)
    if check:
        listed = set(l.strip() for l in open(order_file)) if os.path.exists(order_file) else set()
        covered = sum(1 for n in wanted if n in listed)
        print(f"{len(first)} methods at start-up, {len(second)} more serving; the order file lists {covered} of them "
              f"({100 * covered / len(wanted):.1f} %)")
    else:
        with open(order_file, "w") as f:
            f.write("\n".join(wanted) + "\n")
        print(f"{order_file}: {len(first)} start-up methods, then {len(second)} more the serving run ran")
finally:
    for c in children:
        c.kill()
