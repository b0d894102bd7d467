using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IbmiMcp.Tests.TestSupport;

/// <summary>
/// A real HAProxy (Debian's package; .ci/run installs it) on a free 127.0.0.1 port, round-robin over the given
/// backends, with the health check and connection retries an operator would configure: GET /healthz every 200 ms, a
/// backend that stops answering is taken out after one failed check, and a request whose connection is refused is
/// sent to another backend (nothing of it reached the dead one, so even a POST is safe to redispatch).
/// </summary>
public sealed class HaproxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly StringBuilder _log = new();

    private HaproxyProcess(Process process, string dir, int port)
    {
        _process = process; _dir = dir; Port = port;
    }

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public string Log { get { lock (_log) return _log.ToString(); } }

    public static async Task<HaproxyProcess> StartAsync(IReadOnlyList<int> backendPorts)
    {
        var binary = RedisServer.Which("haproxy") ?? throw new InvalidOperationException(
            "haproxy is not installed: apt-get install -y haproxy (.ci/run installs it). The scale-out tests need a real load balancer.");
        var dir = Path.Combine(Path.GetTempPath(), "ibmi-mcp-tests", "haproxy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        int port = RedisServer.FreePort();
        var config = new StringBuilder();
        config.AppendLine("global");
        config.AppendLine("  maxconn 4096");
        config.AppendLine("defaults");
        config.AppendLine("  mode http");
        config.AppendLine("  timeout connect 1s");
        config.AppendLine("  timeout client 30s");
        config.AppendLine("  timeout server 30s");
        config.AppendLine("  retries 3");
        config.AppendLine("  option redispatch 1");
        config.AppendLine("  retry-on conn-failure");
        config.AppendLine("  option forwardfor");
        config.AppendLine("frontend mcp");
        config.AppendLine($"  bind 127.0.0.1:{port}");
        config.AppendLine("  default_backend replicas");
        config.AppendLine("backend replicas");
        config.AppendLine("  balance roundrobin");
        config.AppendLine("  option httpchk GET /healthz");
        config.AppendLine("  default-server inter 200ms fall 1 rise 1");
        for (int i = 0; i < backendPorts.Count; i++)
            config.AppendLine($"  server r{i + 1} 127.0.0.1:{backendPorts[i]} check");
        var file = Path.Combine(dir, "haproxy.cfg");
        await File.WriteAllTextAsync(file, config.ToString());

        var psi = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = dir };
        foreach (var arg in new[] { "-f", file, "-db" }) psi.ArgumentList.Add(arg);
        var process = Process.Start(psi)!;
        var proxy = new HaproxyProcess(process, dir, port);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (proxy._log) proxy._log.AppendLine(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (proxy._log) proxy._log.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return proxy;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(20);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException("haproxy did not start:\n" + proxy.Log);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
