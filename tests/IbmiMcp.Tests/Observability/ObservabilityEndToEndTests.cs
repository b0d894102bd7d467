using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Auth;
using IbmiMcp.Tests.BlackBox;
using IbmiMcp.Tests.Tools;

namespace IbmiMcp.Tests.Observability;

/// <summary>
/// The real server process (as users run it) against the in-process emulator: sign-ons and a tools/call leave the
/// right audit lines, /metrics parses strictly and counts them, the IBM i job shows the tool, /healthz follows the
/// emulator down and back, and no secret reaches stderr, stdout or the audit file.
/// </summary>
public sealed class ObservabilityEndToEndTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        _work = ServerProcess.CreateEmptyDirectory();
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private static HttpRequestMessage McpPost(string json, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task<HttpResponseMessage> SignOnAsync(HttpClient client, string user, string password)
    {
        var envelope = CredentialEnvelopeWriter.Write(TestKeys.Primary, AuthHarness.KeyId, user, Encoding.UTF8.GetBytes(password), "127.0.0.1");
        return await client.PostAsync("/api/v1/auth", new ByteArrayContent(envelope) { Headers = { ContentType = new("application/json") } });
    }

    [Fact]
    public async Task Sign_ons_and_a_tools_call_are_audited_counted_attributed_and_leak_no_secret()
    {
        using var keys = new TestKeys();
        var audit = Path.Combine(_work, "audit", "audit.log");
        const string wrongPassword = "not-bobs-password-7";
        var env = new Dictionary<string, string?>
        {
            ["MCP_AUTH_MODE"] = "ibmi", ["IBMI_HTTP_AUTH_ENABLED"] = "true", ["IBMI_AUTH_ALLOW_HTTP"] = "true",
            ["IBMI_AUTH_KEY_ID"] = AuthHarness.KeyId, ["IBMI_AUTH_PRIVATE_KEY_PATH"] = keys.PrivatePath, ["IBMI_AUTH_PUBLIC_KEY_PATH"] = keys.PublicPath,
            ["DB2i_HOST"] = "127.0.0.1", ["DB2i_PORT"] = _emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DB2i_IGNORE_UNAUTHORIZED"] = "true", ["TOOLS_YAML_PATH"] = ToolTestFiles.ShippedDirectory,
            ["MCP_AUDIT_LOG"] = audit, ["MCP_METRICS_ENABLED"] = "true", ["MCP_LOG_LEVEL"] = "debug",
        };
        string token;
        string stderr, stdout;
        await using (var server = await ServerProcess.StartAsync(env, workingDirectory: _work))
        {
            using var client = server.CreateClient();
            var signOn = await SignOnAsync(client, "alice", "alice123");
            Assert.Equal(HttpStatusCode.Created, signOn.StatusCode);
            token = JsonDocument.Parse(await signOn.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignOnAsync(client, "BOB", wrongPassword)).StatusCode);

            var call = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"department_staff","arguments":{"department":"A00"}}}""";
            var called = await client.SendAsync(McpPost(call, token));
            Assert.Equal(HttpStatusCode.OK, called.StatusCode);
            Assert.Contains("\"isError\":false", await called.Content.ReadAsStringAsync());

            var metricsText = await client.GetStringAsync("/metrics");
            var metrics = PrometheusTextParser.Parse(metricsText);
            Assert.Equal(1, metrics.Value("ibmi_signons_total", ("outcome", "success")));
            Assert.Equal(1, metrics.Value("ibmi_signons_total", ("outcome", "failure")));
            Assert.Equal(1, metrics.Value("ibmi_sessions_live"));
            Assert.Equal(1, metrics.Value("mcp_tool_calls_total", ("tool", "department_staff"), ("outcome", "success")));
            Assert.Equal(1, metrics.Value("mcp_tool_call_duration_seconds_count", ("tool", "department_staff")));
            Assert.Equal(1, metrics.Value("http_requests_total", ("route", "auth"), ("status", "201")));
            Assert.Equal(0, metrics.Value("audit_dropped_total"));
            // ALICE's token pool is the only pool of an ibmi-mode server: its connections show in the gauges and /healthz.
            var connections = metrics.Value("mapepire_pool_connections", ("state", "idle"))!.Value + metrics.Value("mapepire_pool_connections", ("state", "busy"))!.Value;
            Assert.True(connections >= 1);
            var sessions = JsonDocument.Parse(await client.GetStringAsync("/healthz")).RootElement.GetProperty("checks").GetProperty("sessions");
            Assert.Equal(1, sessions.GetProperty("sessions").GetInt64());
            Assert.Equal(connections, sessions.GetProperty("connections").GetInt64());
            Assert.DoesNotContain("ALICE", sessions.GetRawText(), StringComparison.OrdinalIgnoreCase);

            var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth");
            signOut.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(signOut)).StatusCode);
            Assert.Equal(0, await server.TerminateAsync());   // SIGTERM flushes the audit queue
            stderr = server.Stderr;
            stdout = server.Stdout;
        }

        var lines = File.ReadAllLines(audit).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["sign_on", "token_issued", "sign_on", "tool_call", "token_revoked"], lines.Select(l => l.GetProperty("event").GetString()));
        Assert.Equal(("ALICE", "success"), (lines[0].GetProperty("user").GetString(), lines[0].GetProperty("outcome").GetString()));
        Assert.Equal(("BOB", "invalid_credentials"), (lines[2].GetProperty("user").GetString(), lines[2].GetProperty("reason").GetString()));
        var toolCall = lines[3];
        Assert.Equal("department_staff", toolCall.GetProperty("tool").GetString());
        Assert.Equal("ALICE", toolCall.GetProperty("user").GetString());
        Assert.Equal("127.0.0.1", toolCall.GetProperty("client_address").GetString());
        Assert.Equal(lines[0].GetProperty("session").GetString(), toolCall.GetProperty("session").GetString());
        Assert.Equal(["department"], toolCall.GetProperty("parameters").EnumerateArray().Select(e => e.GetString()));
        Assert.True(toolCall.GetProperty("rows").GetInt64() > 0);

        var job = _emulator.ClientInfo.Last(r => r.ProgramId == "department_staff");
        Assert.Equal(("ALICE", "ibmi-mcp"), (job.User, job.ApplicationName));
        Assert.Equal(job.Job, toolCall.GetProperty("job").GetString());

        new SecretScanner().AddDemoPasswords().AddSecret(wrongPassword).AddSecret(token, "token")
            .AddPrivateKeyPem(File.ReadAllText(keys.PrivatePath))
            .AssertClean([("server stderr", stderr), ("server stdout", stdout), ("audit log", File.ReadAllText(audit))]);
    }

    [Fact]
    public async Task An_unexpected_failure_is_logged_with_its_stack_trace_and_the_server_keeps_answering()
    {
        if (!OperatingSystem.IsLinux()) return;   // /dev/full: every write fails with ENOSPC
        using var keys = new TestKeys();
        var env = new Dictionary<string, string?>
        {
            ["MCP_AUTH_MODE"] = "ibmi", ["IBMI_HTTP_AUTH_ENABLED"] = "true", ["IBMI_AUTH_ALLOW_HTTP"] = "true",
            ["IBMI_AUTH_KEY_ID"] = AuthHarness.KeyId, ["IBMI_AUTH_PRIVATE_KEY_PATH"] = keys.PrivatePath, ["IBMI_AUTH_PUBLIC_KEY_PATH"] = keys.PublicPath,
            ["DB2i_HOST"] = "127.0.0.1", ["DB2i_PORT"] = _emulator.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DB2i_IGNORE_UNAUTHORIZED"] = "true", ["MCP_AUDIT_LOG"] = "/dev/full",
        };
        await using var server = await ServerProcess.StartAsync(env, workingDirectory: _work);
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await SignOnAsync(client, "alice", "alice123")).StatusCode);   // audited: the write fails
        for (var i = 0; i < 100 && !server.Stderr.Contains("Audit log write failed", StringComparison.Ordinal); i++) await Task.Delay(50);
        var stderr = server.Stderr;
        Assert.Contains("Audit log write failed", stderr);
        Assert.Contains("IOException", stderr);
        // The frames name our method (stack-trace data is in the binary: StackTraceSupport=true).
        Assert.Matches(@"\n\s+at IbmiMcp\.Observability\.", stderr);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_server_whose_audit_log_cannot_be_opened_refuses_to_start_and_names_the_setting()
    {
        var file = Path.Combine(_work, "not-a-directory");
        File.WriteAllText(file, "");
        var psi = ServerProcess.CreateStartInfo(["--transport", "http", "--port", "0"],
            new Dictionary<string, string?> { ["MCP_AUDIT_LOG"] = Path.Combine(file, "audit.log") }, _work);
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("MCP_AUDIT_LOG=", stderr);
        Assert.DoesNotContain("   at ", stderr);   // a message, not a stack trace
    }

    [Fact]
    public async Task Healthz_follows_the_server_pool_when_the_emulator_goes_down_and_comes_back()
    {
        var port = _emulator.Port;
        var env = new Dictionary<string, string?>
        {
            ["MCP_AUTH_MODE"] = "none", ["DB2i_HOST"] = "127.0.0.1", ["DB2i_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DB2i_USER"] = "MCPUSER", ["DB2i_PASS"] = "mcppass1", ["DB2i_IGNORE_UNAUTHORIZED"] = "true",
        };
        await using var server = await ServerProcess.StartAsync(env, workingDirectory: _work);
        using var client = server.CreateClient();

        Assert.Equal(HttpStatusCode.OK, await WaitForHealthAsync(client, HttpStatusCode.OK));
        await _emulator.DisposeAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WaitForHealthAsync(client, HttpStatusCode.ServiceUnavailable));
        using (var response = await client.GetAsync("/healthz"))
        {
            var check = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("server_pool");
            Assert.False(check.GetProperty("ready").GetBoolean());
            Assert.False(string.IsNullOrEmpty(check.GetProperty("detail").GetString()));
        }
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = port });
        Assert.Equal(HttpStatusCode.OK, await WaitForHealthAsync(client, HttpStatusCode.OK));
    }

    /// <summary>Polls /healthz until it answers <paramref name="wanted"/> (the probe is cached ~2 s) or 30 s pass.</summary>
    private static async Task<HttpStatusCode> WaitForHealthAsync(HttpClient client, HttpStatusCode wanted)
    {
        var status = default(HttpStatusCode);
        for (var i = 0; i < 120; i++)
        {
            using var response = await client.GetAsync("/healthz");
            status = response.StatusCode;
            if (status == wanted) break;
            await Task.Delay(250);
        }
        return status;
    }
}
