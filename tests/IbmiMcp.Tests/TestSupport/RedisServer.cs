using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace IbmiMcp.Tests.TestSupport;

/// <summary>
/// A real <c>redis-server</c> (Debian's package; .ci/run installs it) on a free 127.0.0.1 port with its own temporary
/// directory. <see cref="StopAsync"/> / <see cref="StartAsync()"/> take it down and bring it back on the same port, as an
/// outage or a restart would; without <c>persistent</c> a restart loses every key, as a Redis without persistence does.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly bool _persistent;
    private Process? _process;
    private ConnectionMultiplexer? _admin;

    private readonly string _binary;
    private readonly IReadOnlyList<string> _extra;
    private readonly string _adminSuffix;

    private RedisServer(string binary, int port, string dir, bool persistent, IReadOnlyList<string> extra, string adminSuffix, string? caPath)
    {
        _binary = binary; Port = port; _dir = dir; _persistent = persistent; _extra = extra; _adminSuffix = adminSuffix; CaPath = caPath;
    }

    public int Port { get; }

    /// <summary>With TLS: the PEM of the CA that signed the server's certificate (what IBMI_AUTH_REDIS_CA_PATH gets).</summary>
    public string? CaPath { get; }

    /// <summary>What IBMI_AUTH_REDIS gets: the endpoint, no abort on a failed first connect.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    /// <summary>
    /// A server that speaks only TLS (certificate from a CA made here) and has no default user: an admin user for the
    /// test's inspection, and the given ACL users (each a list of ACL rules, e.g. ["app", "on", ">pw", "~app:*"]).
    /// </summary>
    public static async Task<RedisServer> StartSecuredAsync(params string[][] users)
    {
        var dir = NewDirectory();
        var (ca, cert, key) = TestCertificates.WriteCaAndServer(dir, "127.0.0.1");
        var extra = new List<string> { "--port", "0", "--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no",
            "--user", "default", "off", "--user", "admin", "on", ">admin-pw", "~*", "&*", "+@all" };
        foreach (var user in users) { extra.Add("--user"); extra.AddRange(user); }
        var server = new RedisServer(Binary(), FreePort(), dir, false, extra, ",ssl=true,user=admin,password=admin-pw", ca);
        await server.StartAsync();
        return server;
    }

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<RedisServer> StartAsync(bool persistent = false)
    {
        var server = new RedisServer(Binary(), FreePort(), NewDirectory(), persistent, [], "", null);
        await server.StartAsync();
        return server;
    }

    private static string Binary() => Which("redis-server") ?? throw new InvalidOperationException(
        "redis-server is not installed: apt-get install -y redis-server (.ci/run installs it). The session store tests need a real Redis.");

    private static string NewDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ibmi-mcp-tests", "redis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir,
        };
        var portFlag = _extra.Contains("--tls-cert-file") ? "--tls-port" : "--port";
        foreach (var arg in new[] { portFlag, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--dir", _dir, "--save", _persistent ? "1 1" : "", "--appendonly", _persistent ? "yes" : "no",
                     "--protected-mode", "yes", "--daemonize", "no", "--loglevel", "warning" })
            psi.ArgumentList.Add(arg);
        foreach (var arg in _extra)
            psi.ArgumentList.Add(arg);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>SIGKILL: an outage, not a clean shutdown (nothing is saved unless persistence was on).</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>A client for inspecting what the server holds (keys, values, DUMP).</summary>
    public async Task<IDatabase> AdminAsync()
    {
        if (_admin is null)
        {
            var options = ConfigurationOptions.Parse(Configuration + ",allowAdmin=true" + _adminSuffix);
            if (CaPath is not null) options.TrustIssuer(CaPath);
            _admin = await ConnectionMultiplexer.ConnectAsync(options);
        }
        return _admin.GetDatabase();
    }

    public async Task<IServer> AdminServerAsync()
    {
        await AdminAsync();
        return _admin!.GetServer("127.0.0.1", Port);
    }

    public async ValueTask DisposeAsync()
    {
        _admin?.Dispose();
        await StopAsync();
        _process?.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string? Which(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/usr/bin", "/sbin"]))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
