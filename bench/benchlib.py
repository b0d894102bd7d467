"""What the bench scripts share: free loopback ports, a clean environment for the server, the emulator, a server
started on loopback, /healthz, one MCP request, the load harness, and a process's RSS and CPU. Every address is
loopback; every port is free when asked for."""
import glob, json, os, socket, statistics, subprocess, time, urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tools = os.path.join(root, "tools")
emulator_dll = os.path.join(root, "src/IbmiMcp.Emulator/bin/Release/net10.0/ibmi-emulator.dll")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def median(xs): return statistics.median(xs)


def clean_env(extra=None):
    """The caller's environment without any server setting, plus `extra`: nothing from the shell leaks into a run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MCP_", "IBMI_", "DB2i_", "TOOLS_", "YAML_"))}
    env.update(extra or {})
    return env


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_ms(pid):
    """CPU a process has used so far, in ms, at nanosecond resolution: the sum of its live threads' schedstat. Good for
    short windows in which no thread ends (a sign-on); over long ones use cpu_ms_ticks."""
    total = 0
    for stat in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(stat) as f: total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e6


def cpu_ms_ticks(pid):
    """CPU a process has used, ended threads included (utime + stime of /proc/PID/stat, 10 ms ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 10.0


def start_emulator(children, cert_path, port=None):
    """The Release emulator on 127.0.0.1 (a free port unless given), its certificate written to cert_path."""
    port = port or free_port()
    emu = subprocess.Popen(["dotnet", emulator_dll, "--port", str(port), "--write-cert", cert_path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(emu)
    # Ready when it accepts a connection (the certificate is written before it listens; a fixed pause was not enough
    # on a loaded machine).
    for _ in range(600):
        if emu.poll() is not None:
            raise SystemExit(f"the emulator exited with {emu.returncode}")
        if os.path.exists(cert_path):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return emu, port
            except OSError:
                pass
        time.sleep(0.05)
    raise SystemExit(f"the emulator did not listen on 127.0.0.1:{port}")


def serve(children, binary, port, env_extra, extra_args=(), with_tools=True):
    args = [binary, "--transport", "http", "--host", "127.0.0.1", "--port", str(port), *(["--tools", tools] if with_tools else []), *extra_args]
    p = subprocess.Popen(args, env=clean_env(env_extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(p)
    return p


def wait_healthz(port, proc=None, deadline_s=10.0, poll=0.0005):
    deadline = time.perf_counter() + deadline_s
    while True:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=max(1, deadline_s / 10)) as r:
                if r.status == 200:
                    return
        except Exception:
            if time.perf_counter() > deadline:
                raise SystemExit(f"server on {port} did not answer /healthz")
            time.sleep(poll)


def mcp(port, body, token=None, timeout=30):
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    if token: headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(f"http://127.0.0.1:{port}/mcp", data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read()


def build_load():
    subprocess.run(["dotnet", "build", os.path.join(root, "bench/IbmiMcp.Load"), "-c", "Release", "-nologo", "-v:q"], check=True, capture_output=True)


def load(*a):
    """bench/IbmiMcp.Load with these arguments (build it first with build_load); returns its output."""
    out = subprocess.run(["dotnet", "run", "-c", "Release", "--no-build", "--project", os.path.join(root, "bench/IbmiMcp.Load"), "--", *a],
                         capture_output=True, text=True, check=True)
    return out.stdout


def ibmi_auth_env(keys, eport, cert=None, ignore=False):
    """IBM i sign-on against the emulator by host name (IBM i's certificate names the host); pinned to `cert`, or not
    verified at all with ignore=True."""
    env = {
        "MCP_AUTH_MODE": "ibmi", "IBMI_HTTP_AUTH_ENABLED": "true", "IBMI_AUTH_ALLOW_HTTP": "true", "IBMI_AUTH_KEY_ID": "bench",
        "IBMI_AUTH_PRIVATE_KEY_PATH": f"{keys}/private.pem", "IBMI_AUTH_PUBLIC_KEY_PATH": f"{keys}/public.pem",
        "DB2i_HOST": "localhost", "DB2i_PORT": str(eport), "MCP_LOG_LEVEL": "warning", "YAML_AUTO_RELOAD": "false",
        "IBMI_AUTH_MAX_CONCURRENT_SESSIONS": "100000", "MCP_POOL_IDLE_TIMEOUT_MS": "1000", "IBMI_ENABLE_EXECUTE_SQL": "true",
    }
    if ignore:
        env["DB2i_IGNORE_UNAUTHORIZED"] = "true"
    else:
        env.update({"DB2i_IGNORE_UNAUTHORIZED": "false", "DB2i_CA_PATH": cert})
    return env


def machine_line(binary):
    return (f"# {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} CPUs, load average "
            f"{' '.join(open('/proc/loadavg').read().split()[:3])}, {binary}")
