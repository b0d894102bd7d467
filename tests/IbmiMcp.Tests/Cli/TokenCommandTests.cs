using System.Net.Http.Headers;
using IbmiMcp.Cli;
using IbmiMcp.Tests.Auth;

namespace IbmiMcp.Tests.Cli;

public sealed class TokenCommandTests : IAsyncLifetime
{
    private readonly FakePools _pools = new();
    private AuthTestServer _server = null!;

    public async Task InitializeAsync() => _server = await AuthTestServer.StartAsync(_pools);
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(int Exit, string Out, string Err)> RunAsync(string[] args, Dictionary<string, string>? env = null, string? typed = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        env ??= [];
        // Point MCP_SERVER_CONFIG at a file that does not exist so a developer's ./.env cannot leak into tests.
        env.TryAdd("MCP_SERVER_CONFIG", "/nonexistent/.env");
        int exit = await TokenCommand.RunAsync(args, stdout, stderr, n => env.GetValueOrDefault(n), _ => typed);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string[] Args(params string[] extra)
        => ["--server", "127.0.0.1", "--port", _server.Port.ToString(), .. extra];

    private async Task<string> WhoAmIAsync(string token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_server.Port}/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    [Fact]
    public async Task Quiet_prints_exactly_the_export_line_and_the_token_works()
    {
        var (exit, output, err) = await RunAsync(Args("-u", "alice", "-p", "alice123", "-h", "127.0.0.1", "--quiet"));
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        Assert.Matches("^export IBMI_MCP_ACCESS_TOKEN=\"[A-Za-z0-9_-]{43}\"\n$", output.Replace("\r\n", "\n"));
        var token = output.Split('"')[1];
        Assert.Equal("200 ALICE ALICE", await WhoAmIAsync(token));
    }

    [Fact]
    public async Task Default_output_shows_the_response_and_pool_flags_reach_the_server()
    {
        var (exit, output, _) = await RunAsync(Args("--user=bob", "--password=bob12345", "--host=127.0.0.1", "--pool-start", "3", "--pool-max", "4", "--duration", "60"));
        Assert.Equal(0, exit);
        Assert.Contains("\"expires_in\":60", output);
        Assert.Contains("Authentication successful", output);
        Assert.Contains("export IBMI_MCP_ACCESS_TOKEN=", output);
        Assert.Equal((3, 4), (_pools.LastPoolStart, _pools.LastPoolMax));
    }

    [Fact]
    public async Task Credentials_come_from_the_environment_then_the_env_file()
    {
        var dir = Directory.CreateTempSubdirectory("ibmi-token-env-").FullName;
        try
        {
            var file = Path.Combine(dir, ".env");
            File.WriteAllLines(file, ["# demo", "export DB2i_USER=alice", "DB2i_PASS='wrong'", "DB2i_HOST=\"127.0.0.1\" "]);
            var env = new Dictionary<string, string> { ["MCP_SERVER_CONFIG"] = file, ["DB2i_PASS"] = "alice123" };
            var (exit, output, _) = await RunAsync(Args("-q"), env);
            Assert.Equal(0, exit);
            Assert.StartsWith("export IBMI_MCP_ACCESS_TOKEN=", output);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Asks_for_the_password_when_none_is_given()
    {
        var (exit, _, _) = await RunAsync(Args("-u", "alice", "-h", "127.0.0.1", "-q"), typed: "alice123");
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Wrong_password_exits_non_zero_with_the_server_error()
    {
        var (exit, output, err) = await RunAsync(Args("-u", "alice", "-p", "nope", "-h", "127.0.0.1", "-q"));
        Assert.Equal(TokenCommand.ExitRefused, exit);
        Assert.Equal("", output);
        Assert.Contains("Authentication failed", err);
        Assert.Contains("Error Code: -32006", err);
        Assert.Contains("IBM i rejected the user profile or password", err);
    }

    [Fact]
    public async Task Public_key_path_skips_the_key_request_and_needs_a_key_id()
    {
        var (exit, _, err) = await RunAsync(Args("-u", "alice", "-p", "alice123", "-h", "127.0.0.1", "--public-key-path", _server.Keys.PublicPath));
        Assert.Equal(1, exit);
        Assert.Contains("--key-id", err);
        (exit, _, _) = await RunAsync(Args("-u", "alice", "-p", "alice123", "-h", "127.0.0.1", "-q",
            "--public-key-path", _server.Keys.PublicPath, "--key-id", AuthHarness.KeyId));
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Missing_user_bad_flags_and_unreachable_servers_exit_1()
    {
        Assert.Equal(1, (await RunAsync(Args("-p", "x", "-h", "127.0.0.1"))).Exit);
        Assert.Equal(1, (await RunAsync(Args("--bogus"))).Exit);
        Assert.Equal(1, (await RunAsync(Args("--port", "0"))).Exit);
        Assert.Equal(1, (await RunAsync(Args("--pool-start", "6", "--pool-max", "5"))).Exit);
        Assert.Equal(1, (await RunAsync(["--server", "127.0.0.1", "--port", "1", "-u", "a", "-p", "b", "-h", "127.0.0.1"])).Exit);
        var (exit, _, err) = await RunAsync(Args("-u", "alice", "-h", "127.0.0.1"));
        Assert.Equal(1, exit);
        Assert.Contains("not a terminal", err);
    }

    [Fact]
    public async Task Plain_http_refusal_is_reported_with_a_hint()
    {
        await using var strict = await AuthTestServer.StartAsync(_pools, o => new()
        {
            HttpAuthEnabled = true, AuthKeyId = o.AuthKeyId, AuthPrivateKeyPath = o.AuthPrivateKeyPath, AuthPublicKeyPath = o.AuthPublicKeyPath,
            Db2iHost = o.Db2iHost,
        });
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await TokenCommand.RunAsync(["--server", "127.0.0.1", "--port", strict.Port.ToString(), "-u", "alice", "-p", "alice123", "-h", "127.0.0.1"],
            stdout, stderr, n => n == "MCP_SERVER_CONFIG" ? "/nonexistent/.env" : null, _ => null);
        Assert.Equal(TokenCommand.ExitRefused, exit);
        Assert.Contains("HTTPS/TLS is required", stderr.ToString());
        Assert.Contains("Hint: use --https", stderr.ToString());
    }

    [Fact]
    public async Task Sign_out_over_http_revokes_the_token()
    {
        var (_, output, _) = await RunAsync(Args("-u", "alice", "-p", "alice123", "-h", "127.0.0.1", "-q"));
        var token = output.Split('"')[1];
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"http://127.0.0.1:{_server.Port}/api/v1/auth");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        Assert.Equal(204, (int)response.StatusCode);
        Assert.StartsWith("401 ", await WhoAmIAsync(token));
    }
}
