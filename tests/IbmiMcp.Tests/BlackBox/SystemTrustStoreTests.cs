using System.Diagnostics;
using System.Globalization;
using IbmiMcp.Emulator;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// Trust that costs only what it uses (Configuration.SystemTrustStore), against the published binary: a command whose
/// TLS trust is its own (a pinned CA, or verification off) never reads the system's trust store — counted with strace —
/// while trust on first use still does; and the trust rules themselves are unchanged: a pinned certificate refuses
/// another server, a token request over verified HTTPS refuses a self-signed server, verification off still warns.
/// </summary>
public sealed class SystemTrustStoreTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private string _pinned = null!;
    private string _other = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        var dir = ServerProcess.CreateEmptyDirectory();
        _pinned = Path.Combine(dir, "emulator.pem");
        await File.WriteAllTextAsync(_pinned, _emulator.CertificatePem);
        // A certificate like the emulator's (same names, self-signed), but not the one it presents.
        using var other = IbmiMcp.Emulator.Security.SelfSignedCertificate.Create();
        _other = Path.Combine(dir, "other.pem");
        await File.WriteAllTextAsync(_other, other.ExportCertificatePem());
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    private Dictionary<string, string?> Env(bool ignore, string? ca) => new()
    {
        ["HOME"] = ServerProcess.CreateEmptyDirectory(), ["DB2i_HOST"] = "localhost", ["DB2i_PORT"] = _emulator.Port.ToString(CultureInfo.InvariantCulture),
        ["DB2i_USER"] = "MCPUSER", ["DB2i_PASS"] = "mcppass1", ["DB2i_IGNORE_UNAUTHORIZED"] = ignore ? "true" : "false", ["DB2i_CA_PATH"] = ca,
    };

    [Theory]
    [InlineData("pinned CA", false, true, 0)]
    [InlineData("verification off", true, false, 0)]
    [InlineData("trust on first use", false, false, 1)]
    public async Task A_command_reads_the_system_trust_store_only_when_its_trust_uses_it(string mode, bool ignore, bool pin, int minimumReads)
    {
        if (!ServerProcess.UsesPublishedBinary || !File.Exists("/usr/bin/strace")) return;   // the README's test command has both
        var (exit, stdout, stderr, storeReads) = await TracedAsync(["sql", "SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1", "--format", "csv"],
            Env(ignore, pin ? _pinned : null));
        Assert.True(exit == 0, $"{mode}: exit {exit}: {stderr}");
        Assert.Contains("ONE", stdout);
        if (minimumReads == 0) Assert.True(storeReads == 0, $"{mode}: {storeReads} files of the system trust store were opened");
        else Assert.True(storeReads >= minimumReads, $"{mode}: the system trust store was not read ({storeReads})");
    }

    [Theory]
    [InlineData(true, false, 0)]
    [InlineData(false, false, 1)]
    // The OAuth server's client metadata documents load the roots on their first fetch, not on the first sign-on.
    [InlineData(true, true, 0)]
    public async Task The_server_signs_users_on_without_the_system_trust_store_unless_its_trust_uses_it(bool ignore, bool oauthServer, int minimumReads)
    {
        if (!ServerProcess.UsesPublishedBinary || !File.Exists("/usr/bin/strace")) return;
        var trace = Path.Combine(ServerProcess.CreateEmptyDirectory(), "strace.txt");
        using var keys = new Auth.TestKeys();
        var env = new Dictionary<string, string?>(IbmiSignOn.Environment(keys, _emulator.Port)) { ["DB2i_IGNORE_UNAUTHORIZED"] = ignore ? "true" : "false", ["IBMI_ENABLE_EXECUTE_SQL"] = "true" };
        if (oauthServer)
        {
            env["IBMI_AUTH_OAUTH_SERVER"] = "true";
            env["IBMI_PUBLIC_URL"] = "http://127.0.0.1:8080";
        }
        await using (var server = await ServerProcess.StartAsync(env, wrapper: ["/usr/bin/strace", "-f", "-qq", "-e", "trace=openat", "-o", trace]))
        {
            using var client = server.CreateClient();
            var token = await IbmiSignOn.TokenAsync(client, "MCPUSER", "mcppass1");
            var (status, isError, text, _) = await McpCall.ExecuteSqlAsync(client, "SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1", token);
            Assert.True(status == System.Net.HttpStatusCode.OK, text);
        }
        var reads = File.ReadLines(trace).Count(l => l.Contains("\"/etc/ssl/certs/", StringComparison.Ordinal));
        if (minimumReads == 0) Assert.True(reads == 0, $"{reads} files of the system trust store were opened");
        else Assert.True(reads >= minimumReads, "trust on first use did not read the system trust store");
    }

    [Fact]
    public async Task A_pinned_certificate_still_refuses_another_server()
    {
        var (exit, _, stderr, _) = await RunAsync(["sql", "SELECT 1 FROM SYSIBM.SYSDUMMY1", "--format", "csv"], Env(ignore: false, _other));
        Assert.Equal(1, exit);
        Assert.Contains("not signed by the pinned certificate", stderr);
    }

    [Fact]
    public async Task Verified_https_still_refuses_a_self_signed_server_and_verification_off_still_warns()
    {
        // A certificate from a private CA the system's roots do not know.
        var (_, certPath, keyPath) = TestSupport.TestCertificates.WriteCaAndServer(ServerProcess.CreateEmptyDirectory(), "127.0.0.1");
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?>(Env(ignore: true, null))
        {
            ["MCP_HTTPS_CERT_PATH"] = certPath, ["MCP_HTTPS_KEY_PATH"] = keyPath,
        });
        Assert.Contains("DB2i_IGNORE_UNAUTHORIZED=true", server.Stderr);

        // token over HTTPS without --insecure verifies the server against the system roots, which do not know it.
        var (exit, _, stderr, _) = await RunAsync(["token", "-u", "MCPUSER", "-p", "mcppass1", "-h", "localhost", "--https",
            "--server", "127.0.0.1", "--port", server.Endpoint.Port.ToString(CultureInfo.InvariantCulture)], Env(ignore: true, null));
        Assert.Equal(1, exit);
        Assert.Contains("certificate is not trusted", stderr);
    }

    private static Task<(int Exit, string Stdout, string Stderr, int StoreReads)> RunAsync(IEnumerable<string> args, Dictionary<string, string?> env)
        => ExecuteAsync(ServerProcess.CreateStartInfo(args, env), trace: null);

    /// <summary>Runs the binary under strace and counts the files of /etc/ssl/certs it opened.</summary>
    private static Task<(int Exit, string Stdout, string Stderr, int StoreReads)> TracedAsync(IEnumerable<string> args, Dictionary<string, string?> env)
    {
        var psi = ServerProcess.CreateStartInfo(args, env);
        var trace = Path.Combine(ServerProcess.CreateEmptyDirectory(), "strace.txt");
        psi.ArgumentList.Insert(0, psi.FileName);
        foreach (var word in new[] { "-f", "-qq", "-e", "trace=openat", "-o", trace }.Reverse())
            psi.ArgumentList.Insert(0, word);
        psi.FileName = "/usr/bin/strace";
        return ExecuteAsync(psi, trace);
    }

    private static async Task<(int Exit, string Stdout, string Stderr, int StoreReads)> ExecuteAsync(ProcessStartInfo psi, string? trace)
    {
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        var reads = trace is null ? 0 : File.ReadLines(trace).Count(l => l.Contains("\"/etc/ssl/certs/", StringComparison.Ordinal));
        return (process.ExitCode, await stdout, await stderr, reads);
    }
}
