using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using IbmiMcp.Auth;
using IbmiMcp.Cli;
using IbmiMcp.Configuration;
using IbmiMcp.Emulator;
using IbmiMcp.Mapepire;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Auth;

/// <summary>
/// End to end against the Db2 for i emulator over real Mapepire sockets: token CLI → server → per-token pool →
/// SQL as the signed-on user, and what the emulator sees when sessions end.
/// </summary>
public sealed class AuthEmulatorTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private AuthTestServer _server = null!;
    // Starts at the real time: the token command stamps the envelope's iat with it.
    private readonly FakeTime _time = new(DateTimeOffset.UtcNow);
    private MapepireTlsPolicy _tls = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, MaxSignOnAttempts = 3 });
        _tls = MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(_emulator.CertificateDer)]);
        var factory = new MapepireSessionPoolFactory(new ServerOptions(), _tls, NullLoggerFactory.Instance) { Port = _emulator.Port };
        _server = await AuthTestServer.StartAsync(factory, o => new()
        {
            HttpAuthEnabled = true, AuthMode = AuthMode.Ibmi, AuthKeyId = o.AuthKeyId, AuthPrivateKeyPath = o.AuthPrivateKeyPath,
            AuthPublicKeyPath = o.AuthPublicKeyPath, Db2iHost = "127.0.0.1", AuthAllowHttp = true, SignOnMaxFailures = 2,
        }, _time);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    private async Task<(int Exit, string Token, string Err)> TokenAsync(string user, string password, params string[] extra)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args = ["--server", "127.0.0.1", "--port", _server.Port.ToString(), "-u", user, "-p", password, "-h", "127.0.0.1", "-q", .. extra];
        int exit = await TokenCommand.RunAsync(args, stdout, stderr, n => n == "MCP_SERVER_CONFIG" ? "/nonexistent/.env" : null, _ => null);
        var output = stdout.ToString();
        return (exit, output.Contains('"') ? output.Split('"')[1] : "", stderr.ToString());
    }

    private async Task<string> CurrentUserAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_server.Port}/currentuser");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }

    private async Task<int> SignOutAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"http://127.0.0.1:{_server.Port}/api/v1/auth");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>Waits for a condition the emulator reaches asynchronously (socket close handshakes); never a timing assertion.</summary>
    private static async Task Eventually(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++) await Task.Delay(20);
        Assert.True(condition());
    }

    [Fact]
    public async Task Token_from_the_cli_runs_sql_as_the_signed_on_user()
    {
        var (exit, token, err) = await TokenAsync("alice", "alice123", "--pool-start", "2", "--pool-max", "3");
        Assert.True(exit == 0, err);
        Assert.Equal("200 ALICE ALICE", await CurrentUserAsync(token));
        Assert.Equal(2, _emulator.OpenSockets);
    }

    [Fact]
    public async Task Wrong_password_is_401_and_leaves_no_socket_or_session()
    {
        var (exit, token, err) = await TokenAsync("bob", "wrong");
        Assert.Equal(TokenCommand.ExitRefused, exit);
        Assert.Equal("", token);
        Assert.Contains("Error Code: -32006", err);
        Assert.Equal(0, _server.Service.Tokens.Count);
        await Eventually(() => _emulator.OpenSockets == 0);
    }

    [Fact]
    public async Task Guessing_stops_at_the_server_before_ibm_i_disables_the_profile()
    {
        // The emulator disables a profile after 3 bad passwords (QMAXSIGN); the server stops relaying after 2.
        for (int i = 0; i < 6; i++)
            Assert.Equal(TokenCommand.ExitRefused, (await TokenAsync("bob", "guess" + i)).Exit);
        // The profile still works on IBM i: sign on directly, bypassing the server's lockout.
        await using var direct = await MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", _emulator.Port, _tls),
            new MapepireCredentials("BOB", "bob12345"), new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        Assert.Equal("BOB", direct.User);
    }

    [Fact]
    public async Task Sign_out_closes_the_sessions_sockets_at_once()
    {
        var (_, token, _) = await TokenAsync("mcpuser", "mcppass1", "--pool-start", "3", "--pool-max", "3");
        Assert.Equal(3, _emulator.OpenSockets);
        int closedBefore = _emulator.TotalSocketsClosed;
        Assert.Equal(204, await SignOutAsync(token));
        await Eventually(() => _emulator.OpenSockets == 0);
        Assert.Equal(closedBefore + 3, _emulator.TotalSocketsClosed);
        Assert.StartsWith("401 ", await CurrentUserAsync(token));
    }

    [Fact]
    public async Task Reaper_closes_expired_sessions_and_the_emulator_sees_the_sockets_close()
    {
        var (_, shortToken, _) = await TokenAsync("alice", "alice123", "--duration", "60", "--pool-start", "2");
        var (_, longToken, _) = await TokenAsync("bob", "bob12345", "--duration", "600", "--pool-start", "1", "--pool-max", "1");
        Assert.Equal(3, _emulator.OpenSockets);
        _time.Advance(TimeSpan.FromSeconds(60));
        await _server.Service.ReapAsync();
        await Eventually(() => _emulator.OpenSockets == 1);
        Assert.Equal(1, _server.Service.Tokens.Count);
        Assert.Equal("200 BOB BOB", await CurrentUserAsync(longToken));
        Assert.StartsWith("401 ", await CurrentUserAsync(shortToken));
    }

    [Fact]
    public async Task Concurrent_requests_never_run_on_another_users_connection()
    {
        var users = new (string User, string Password)[] { ("ALICE", "alice123"), ("BOB", "bob12345"), ("MCPUSER", "mcppass1") };
        var tokens = new List<(string User, string Token)>();
        foreach (var (user, password) in users)
            for (int i = 0; i < 2; i++)
            {
                var (exit, token, err) = await TokenAsync(user, password, "--pool-start", "1", "--pool-max", "3");
                Assert.True(exit == 0, err);
                tokens.Add((user, token));
            }
        var random = new Random(20261126);
        var picks = Enumerable.Range(0, 120).Select(_ => tokens[random.Next(tokens.Count)]).ToArray();
        var answers = await Task.WhenAll(picks.Select(p => Task.Run(() => CurrentUserAsync(p.Token))));
        for (int i = 0; i < picks.Length; i++)
            Assert.Equal($"200 {picks[i].User} {picks[i].User}", answers[i]);
    }

    [Fact]
    public async Task Hosts_outside_the_allow_list_never_reach_a_socket()
    {
        int opened = _emulator.TotalSocketsOpened;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await TokenCommand.RunAsync(["--server", "127.0.0.1", "--port", _server.Port.ToString(), "-u", "alice", "-p", "alice123", "-h", "localhost"],
            stdout, stderr, n => n == "MCP_SERVER_CONFIG" ? "/nonexistent/.env" : null, _ => null);
        Assert.Equal(TokenCommand.ExitRefused, exit);
        Assert.Contains("HTTP Status: 403", stderr.ToString());
        Assert.Equal(opened, _emulator.TotalSocketsOpened);
    }
}
