using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// Runs the server as a separate process, the way users do: the published AOT binary when IBMI_MCP_BIN is set
/// (the README's test command sets it), else the JIT build next to the tests (`dotnet ibmi-mcp.dll`).
/// The port comes from the banner's "Endpoint:" line, so servers start on port 0 and never collide.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly TaskCompletionSource<string> _endpoint = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process) => _process = process;

    /// <summary>Scanned for on dispose (demo passwords and PEM private keys always): no secret may reach the server's output.</summary>
    private readonly Observability.SecretScanner _secrets = new Observability.SecretScanner().AddDemoPasswords();

    public Uri Endpoint { get; private set; } = null!;
    public Uri BaseAddress => new(Endpoint.GetLeftPart(UriPartial.Authority));
    public int Pid => _process.Id;
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static bool UsesPublishedBinary => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("IBMI_MCP_BIN"));

    public static ProcessStartInfo CreateStartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env = null, string? workingDirectory = null)
    {
        var bin = Environment.GetEnvironmentVariable("IBMI_MCP_BIN");
        var psi = new ProcessStartInfo
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? CreateEmptyDirectory(),
        };
        if (!string.IsNullOrEmpty(bin))
        {
            psi.FileName = Path.GetFullPath(bin);
        }
        else
        {
            psi.FileName = "dotnet";
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ibmi-mcp.dll"));
        }
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        // A clean environment for the server: nothing from the developer's shell leaks into a test.
        foreach (var key in psi.Environment.Keys.ToArray())
            if (key.StartsWith("MCP_", StringComparison.Ordinal) || key.StartsWith("IBMI_", StringComparison.Ordinal)
                || key.StartsWith("DB2i_", StringComparison.Ordinal) || key.StartsWith("YAML_", StringComparison.Ordinal)
                || key is "TOOLS_YAML_PATH" or "SELECTED_TOOLSETS" or "OAUTH_ISSUER_URL" or "OAUTH_AUDIENCE" or "OAUTH_JWKS_URI")
                psi.Environment.Remove(key);
        if (env is not null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        return psi;
    }

    /// <summary>Starts `ibmi-mcp serve --transport http --port 0 …` (or the given port) and waits for the banner.</summary>
    /// <param name="wrapper">A program the server runs under (strace and its options), the server's command line after it.</param>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string?>? env = null, IEnumerable<string>? extraArgs = null,
        string? workingDirectory = null, int port = 0, IReadOnlyList<string>? wrapper = null)
    {
        var args = new List<string> { "--transport", "http", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (extraArgs is not null) args.AddRange(extraArgs);
        var startInfo = CreateStartInfo(args, env, workingDirectory);
        if (wrapper is { Count: > 0 })
        {
            startInfo.ArgumentList.Insert(0, startInfo.FileName);
            for (var i = wrapper.Count - 1; i >= 1; i--) startInfo.ArgumentList.Insert(0, wrapper[i]);
            startInfo.FileName = wrapper[0];
        }
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var server = new ServerProcess(process);
        if (env is not null && env.TryGetValue("DB2i_PASS", out var password) && password is { Length: >= 6 })
            server._secrets.AddSecret(password, "DB2i_PASS");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (server._stderr) server._stderr.AppendLine(e.Data);
            var m = EndpointLine().Match(e.Data);
            if (m.Success) server._endpoint.TrySetResult(m.Groups[1].Value);
        };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (server._stdout) server._stdout.AppendLine(e.Data); };
        process.Exited += (_, _) => server._endpoint.TrySetException(new InvalidOperationException("server exited early"));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var endpoint = await server._endpoint.Task.WaitAsync(TimeSpan.FromSeconds(30));
            server.Endpoint = new Uri(endpoint);
        }
        catch (Exception ex)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"server did not start: {ex.Message}\n--- stderr ---\n{server.Stderr}", ex);
        }
        return server;
    }

    public HttpClient CreateClient() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>SIGKILL: the replica dies mid-request, as on an OOM kill or a node failure.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM (what systemd and container runtimes send) and waits for the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            if (OperatingSystem.IsWindows()) _process.Kill();
            else Signal(_process.Id, 15);
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        // Every black-box test doubles as a secret scan of the real binary's stderr and stdout.
        _secrets.AssertClean([("server stderr", Stderr), ("server stdout", Stdout)]);
    }

    public static string CreateEmptyDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ibmi-mcp-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);

    [GeneratedRegex(@"Endpoint:\s+(\S+)")]
    private static partial Regex EndpointLine();
}
