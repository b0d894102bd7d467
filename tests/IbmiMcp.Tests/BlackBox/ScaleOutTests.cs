using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Auth;
using IbmiMcp.Tests.Observability;
using IbmiMcp.Tests.TestSupport;
using IbmiMcp.Tests.Tools;
using Xunit.Abstractions;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// The deployment docs/scale-out.md describes, built from real parts on 127.0.0.1: three replicas of the server binary
/// (the published AOT binary in CI) sharing one redis-server through IBMI_AUTH_SESSION_STORE=redis, HAProxy round-robin
/// in front of them, and the Db2 for i emulator behind them. Users sign on through the balancer and use their token on
/// whichever replica the balancer picks.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests : IAsyncLifetime
{
    private const string ToolCall = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"department_staff","arguments":{"department":"A00"}}}""";
    private readonly ITestOutputHelper _output;
    private readonly string _work = ServerProcess.CreateEmptyDirectory();
    private readonly TestKeys _keys = new();
    private readonly int[] _ports = [RedisServer.FreePort(), RedisServer.FreePort(), RedisServer.FreePort()];
    private readonly ServerProcess?[] _replicas = new ServerProcess?[3];
    private EmulatorHost _emulator = null!;
    private RedisServer _redis = null!;
    private HaproxyProcess _balancer = null!;
    private HttpClient _client = null!;
    private string _sessionKeyPath = null!;

    public ScaleOutTests(ITestOutputHelper output) => _output = output;

    private int MaxSessions { get; set; } = 100;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, MaxSignOnAttempts = 3 });
        _redis = await RedisServer.StartAsync();
        _sessionKeyPath = Path.Combine(_work, "session.key");
        File.WriteAllText(_sessionKeyPath, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        File.SetUnixFileMode(_sessionKeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await StartReplicasAsync();
        _balancer = await HaproxyProcess.StartAsync(_ports);
        _client = new HttpClient { BaseAddress = _balancer.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await WaitUntilBalancedAsync();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_balancer is not null) await _balancer.DisposeAsync();
        foreach (var r in _replicas) if (r is not null) await r.DisposeAsync();   // each also scans its output for secrets
        await _redis.DisposeAsync();
        await _emulator.DisposeAsync();
        _keys.Dispose();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private Dictionary<string, string?> Environment() => new Dictionary<string, string?>(IbmiSignOn.Environment(_keys, _emulator.Port))
    {
                ["TOOLS_YAML_PATH"] = ToolTestFiles.ShippedDirectory, ["MCP_METRICS_ENABLED"] = "true", ["MCP_TRUSTED_PROXIES"] = "127.0.0.1",
        ["IBMI_AUTH_SESSION_STORE"] = "redis", ["IBMI_AUTH_REDIS"] = _redis.Configuration, ["IBMI_AUTH_SESSION_KEY_PATH"] = _sessionKeyPath,
        ["IBMI_AUTH_MAX_CONCURRENT_SESSIONS"] = MaxSessions.ToString(CultureInfo.InvariantCulture), ["IBMI_AUTH_SESSION_CACHE_SECONDS"] = "5",
    };

    private async Task StartReplicasAsync()
    {
        var started = await Task.WhenAll(_ports.Select(port => ServerProcess.StartAsync(Environment(), workingDirectory: _work, port: port)));
        for (int i = 0; i < started.Length; i++) _replicas[i] = started[i];
    }

    private HttpClient Direct(int replica) => new() { BaseAddress = _replicas[replica]!.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    private async Task WaitUntilBalancedAsync()
    {
        // HAProxy starts its servers as up; one health-check period makes sure every replica really answers.
        await Task.Delay(300);
        for (int i = 0; i < 50; i++)
        {
            using var response = await _client.GetAsync("/healthz");
            if (response.IsSuccessStatusCode) return;
            await Task.Delay(100);
        }
    }

    private static byte[] Envelope(string user = "ALICE", string password = "alice123")
        => CredentialEnvelopeWriter.Write(TestKeys.Primary, AuthHarness.KeyId, user, Encoding.UTF8.GetBytes(password), "127.0.0.1",
            new(Duration: 3600, PoolStart: 1, PoolMax: 4, IssuedAt: DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    private static async Task<HttpResponseMessage> PostEnvelopeAsync(HttpClient client, byte[] envelope)
        => await client.PostAsync("/api/v1/auth", new ByteArrayContent(envelope) { Headers = { ContentType = new("application/json") } });

    private async Task<string> SignOnAsync(HttpClient? client = null, string user = "ALICE", string password = "alice123")
    {
        using var response = await PostEnvelopeAsync(client ?? _client, Envelope(user, password));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private static HttpRequestMessage McpPost(string json, string token, string? sessionId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (sessionId is null) request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        else request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task<(HttpStatusCode Status, string Body)> CallAsync(HttpClient client, string token, string json = ToolCall)
    {
        using var response = await client.SendAsync(McpPost(json, token));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<double> ToolCallsOnAsync(int replica)
    {
        using var client = Direct(replica);
        var metrics = PrometheusTextParser.Parse(await client.GetStringAsync("/metrics"));
        return metrics.Value("mcp_tool_calls_total", ("tool", "department_staff"), ("outcome", "success")) ?? 0;
    }

    [Fact]
    public async Task A_hundred_calls_through_the_balancer_reach_every_replica_and_run_as_the_signed_on_user()
    {
        var token = await SignOnAsync();
        _emulator.ClearClientInfo();
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => CallAsync(_client, token)));
        Assert.All(results, r =>
        {
            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.Contains("\"isError\":false", r.Body);
        });
        var perReplica = await Task.WhenAll(Enumerable.Range(0, 3).Select(ToolCallsOnAsync));
        _output.WriteLine($"tool calls per replica: {string.Join(", ", perReplica)}");
        Assert.All(perReplica, n => Assert.True(n > 0));
        Assert.Equal(100, perReplica.Sum());
        var statements = _emulator.ClientInfo.Where(r => r.ProgramId == "department_staff").ToList();
        Assert.Equal(100, statements.Count);
        Assert.All(statements, r => Assert.Equal("ALICE", r.User));
        // Three replicas, three pools of their own: the statements ran in jobs opened by each of them.
        Assert.True(statements.Select(r => r.Job).Distinct().Count() >= 3);
    }

    [Fact]
    public async Task After_every_replica_restarts_the_same_token_still_works()
    {
        var token = await SignOnAsync();
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(_client, token)).Status);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, await _replicas[i]!.TerminateAsync());
            await _replicas[i]!.DisposeAsync();
            _replicas[i] = null;
        }
        await StartReplicasAsync();
        await WaitUntilBalancedAsync();
        for (int i = 0; i < 6; i++)
        {
            var (status, body) = await CallAsync(_client, token);
            Assert.True(status == HttpStatusCode.OK, body);
            Assert.Contains("\"isError\":false", body);
        }
    }

    [Fact]
    public async Task Sign_out_through_one_replica_is_401_on_every_replica_within_a_second()
    {
        var token = await SignOnAsync();
        for (int i = 0; i < 3; i++)
        {
            using var direct = Direct(i);
            Assert.Equal(HttpStatusCode.OK, (await CallAsync(direct, token)).Status);   // cached on every replica now
        }
        using var first = Direct(0);
        var signOut = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth");
        signOut.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var answer = await first.SendAsync(signOut);
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        var clock = Stopwatch.StartNew();

        var last = TimeSpan.Zero;
        for (int i = 0; i < 3; i++)
        {
            using var direct = Direct(i);
            while (true)
            {
                var (status, body) = await CallAsync(direct, token, """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
                if (status == HttpStatusCode.Unauthorized)
                {
                    Assert.Contains("Token not found", body);
                    break;
                }
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"replica {i + 1} still serves the revoked token");
                await Task.Delay(5);
            }
            last = clock.Elapsed > last ? clock.Elapsed : last;
        }
        _output.WriteLine($"revocation: last replica answered 401 {last.TotalMilliseconds:0.0} ms after the DELETE answer");
        Assert.True(last <= TimeSpan.FromSeconds(1), $"{last.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_replica_killed_mid_run_fails_only_the_requests_it_was_serving()
    {
        var token = await SignOnAsync();
        int ok = 0, failed = 0;
        using var stop = new CancellationTokenSource();
        async Task WorkerAsync()
        {
            for (int n = 0; n < 60; n++)
            {
                try
                {
                    var (status, body) = await CallAsync(_client, token);
                    if (status == HttpStatusCode.OK && body.Contains("\"isError\":false")) Interlocked.Increment(ref ok);
                    else Interlocked.Increment(ref failed);
                }
                catch (HttpRequestException) { Interlocked.Increment(ref failed); }
            }
        }
        const int workers = 4;
        var running = Enumerable.Range(0, workers).Select(_ => Task.Run(WorkerAsync)).ToArray();
        while (Volatile.Read(ref ok) < 40) await Task.Delay(5);
        await _replicas[1]!.KillAsync();
        await Task.WhenAll(running);
        _output.WriteLine($"replica 2 killed: {ok} succeeded, {failed} failed of {workers * 60}");
        Assert.Equal(workers * 60, ok + failed);
        Assert.True(failed <= workers, $"{failed} failures: more than the {workers} requests that can have been in flight");
        // And afterwards the two survivors serve everything.
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CallAsync(_client, token))), r => Assert.Equal(HttpStatusCode.OK, r.Status));
    }

    [Fact]
    public async Task The_session_cap_holds_across_replicas_when_they_are_signed_on_at_once()
    {
        foreach (var r in _replicas) await r!.DisposeAsync();
        MaxSessions = 5;
        await StartReplicasAsync();
        // Fifteen different profiles: the guard rightly admits only two sign-ons of one profile at a time.
        for (int i = 0; i < 15; i++) _emulator.Users.Add($"USER{i:00}", $"pass{i:00}x");
        var clients = Enumerable.Range(0, 3).Select(Direct).ToArray();
        var answers = await Task.WhenAll(Enumerable.Range(0, 15).Select(i => PostEnvelopeAsync(clients[i % 3], Envelope($"USER{i:00}", $"pass{i:00}x"))));
        var statuses = answers.Select(a => (int)a.StatusCode).ToList();
        _output.WriteLine(string.Join(",", statuses));
        Assert.Equal(5, statuses.Count(s => s == 201));
        Assert.Equal(10, statuses.Count(s => s == 503));
        var refused = answers.First(a => a.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Contains("Maximum concurrent sessions", await refused.Content.ReadAsStringAsync());
        Assert.NotNull(refused.Headers.RetryAfter);
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task Guesses_spread_over_all_replicas_never_reach_IBM_i_more_often_than_the_guard_allows()
    {
        // IBMI_AUTH_MAX_FAILED_ATTEMPTS is 2 and the emulator's QMAXSIGN is 3: the guard must stop the relay first.
        var clients = Enumerable.Range(0, 3).Select(Direct).ToArray();
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => PostEnvelopeAsync(clients[i % 3], Envelope("BOB", "guess-" + i))));
        var statuses = answers.Select(a => (int)a.StatusCode).ToList();
        _output.WriteLine(string.Join(",", statuses));
        Assert.True(_emulator.Users.FailedAttempts("BOB") <= 2, $"IBM i saw {_emulator.Users.FailedAttempts("BOB")} bad passwords");
        Assert.True(_emulator.Users.IsEnabled("BOB"));
        Assert.All(statuses, s => Assert.Contains(s, new[] { 401, 429 }));
        Assert.True(statuses.Count(s => s == 429) >= 10);
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task An_envelope_replayed_to_another_replica_is_refused()
    {
        var envelope = Envelope();
        using var first = Direct(0);
        using var second = Direct(2);
        Assert.Equal(HttpStatusCode.Created, (await PostEnvelopeAsync(first, envelope)).StatusCode);
        using var replay = await PostEnvelopeAsync(second, envelope);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("already used", await replay.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_Redis_stopped_sign_on_is_a_clear_503_and_it_works_again_when_Redis_is_back_without_restarts()
    {
        var token = await SignOnAsync();
        await _redis.StopAsync();

        using (var refused = await PostEnvelopeAsync(_client, Envelope()))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("session store", await refused.Content.ReadAsStringAsync());
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        await Eventually(async () =>
        {
            using var h = await _client.GetAsync("/healthz");
            var root = JsonDocument.Parse(await h.Content.ReadAsStringAsync()).RootElement;
            return h.StatusCode == HttpStatusCode.OK
                   && !root.GetProperty("checks").GetProperty("session_store").GetProperty("ready").GetBoolean()
                   && root.GetProperty("status").GetString() == "degraded";
        });

        await _redis.StartAsync();
        var pids = _replicas.Select(r => r!.Pid).ToArray();
        await Eventually(async () =>
        {
            using var again = await PostEnvelopeAsync(_client, Envelope());
            return again.StatusCode == HttpStatusCode.Created;
        }, TimeSpan.FromSeconds(20));
        // Each replica's client reconnects on its own schedule; every one reports the store back without a restart.
        for (int i = 0; i < 3; i++)
        {
            using var direct = Direct(i);
            await Eventually(async () =>
            {
                using var h = await direct.GetAsync("/healthz");
                var root = JsonDocument.Parse(await h.Content.ReadAsStringAsync()).RootElement;
                return root.GetProperty("checks").GetProperty("session_store").GetProperty("ready").GetBoolean();
            }, TimeSpan.FromSeconds(20));
        }
        Assert.Equal(pids, _replicas.Select(r => r!.Pid).ToArray());
        Assert.All(_replicas, r => Assert.False(r!.HasExited));
        // Redis ran without persistence: the old token died with it, the normal way — on every replica once its cached
        // copy is past IBMI_AUTH_SESSION_CACHE_SECONDS (5 s here), and never with a 5xx on the way.
        await Eventually(async () =>
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 3).Select(async i =>
            {
                using var direct = Direct(i);
                return await CallAsync(direct, token);
            }));
            Assert.All(answers, a => Assert.True((int)a.Status < 500, a.Body));
            return answers.All(a => a.Status == HttpStatusCode.Unauthorized && a.Body.Contains("Token not found"));
        }, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_stateful_session_held_by_another_replica_is_404_so_the_client_initializes_again()
    {
        var token = await SignOnAsync();
        using var first = Direct(0);
        using var second = Direct(1);
        var init = McpPost("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", token);
        init.Headers.Remove("MCP-Protocol-Version");
        using var initialized = await first.SendAsync(init);
        Assert.Equal(HttpStatusCode.OK, initialized.StatusCode);
        var sessionId = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        using var elsewhere = await second.SendAsync(McpPost("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", token, sessionId));
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Contains("-32001", await elsewhere.Content.ReadAsStringAsync());
        using var home = await first.SendAsync(McpPost("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", token, sessionId));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
    }

    [Fact]
    public async Task A_stream_cut_on_one_replica_resumes_on_another_with_the_result_exactly_once_and_the_rows_sealed_in_Redis()
    {
        var token = await SignOnAsync();
        using var home = Direct(0);
        using var other = Direct(2);
        HttpRequestMessage Post(string json, string? session)
        {
            var request = McpPost(json, token, session);
            request.Headers.Remove("MCP-Protocol-Version");
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            return request;
        }
        using var initialized = await home.SendAsync(Post("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", null));
        var session = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        using (await home.SendAsync(Post("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", session))) { }

        // A long IBM i call: the emulator holds the statement's answer back while the client's stream is cut.
        _emulator.Faults.StallRequestType = "prepare_sql_execute";
        _emulator.Faults.StallMs = 1500;
        string lastEventId;
        try
        {
            var call = await home.SendAsync(Post(ToolCall.Replace("\"id\":1", "\"id\":42"), session), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
            var stream = await call.Content.ReadAsStreamAsync();
            var first = new StringBuilder();
            var one = new byte[1];
            while (!first.ToString().EndsWith("\n\n", StringComparison.Ordinal) && await stream.ReadAsync(one) == 1)
                first.Append((char)one[0]);
            call.Dispose();   // cut mid-call
            lastEventId = first.ToString().Split('\n').Single(l => l.StartsWith("id: ", StringComparison.Ordinal))[4..];
        }
        finally
        {
            _emulator.Faults.Reset();
        }

        var resume = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        resume.Headers.Accept.ParseAdd("text/event-stream");
        resume.Headers.Add("Mcp-Session-Id", session);
        resume.Headers.Add("Last-Event-ID", lastEventId);
        resume.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var resumed = await other.SendAsync(resume);   // a replica that never saw the session
        var body = await resumed.Content.ReadAsStringAsync();
        Assert.True(resumed.StatusCode == HttpStatusCode.OK, body);
        var answers = body.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).ToList();
        var answer = JsonDocument.Parse(Assert.Single(answers)[6..]).RootElement;
        Assert.Equal(42, answer.GetProperty("id").GetInt32());
        var text = answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!;
        Assert.Contains("HAAS", text);   // department A00's manager

        // Another user's token cannot resume it, on either replica.
        var bob = await SignOnAsync(user: "BOB", password: "bob12345");
        var stolen = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        stolen.Headers.Accept.ParseAdd("text/event-stream");
        stolen.Headers.Add("Mcp-Session-Id", session);
        stolen.Headers.Add("Last-Event-ID", lastEventId);
        stolen.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bob);
        using var refused = await other.SendAsync(stolen);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        // The events are in Redis under the prefix, sealed: the rows are not readable there.
        var dump = await RedisDump.ReadAllAsync(_redis);
        Assert.Contains(dump, d => d.Key.StartsWith("ibmi-mcp:sse:", StringComparison.Ordinal));
        Assert.DoesNotContain(dump, d => d.Value.AsSpan().IndexOf("HAAS"u8) >= 0);
    }

    [Fact]
    public async Task Redis_holds_no_password_and_no_token_in_any_key_or_value()
    {
        var token = await SignOnAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostEnvelopeAsync(_client, Envelope("BOB", "wrong-pass-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(_client, token)).Status);
        var dump = await RedisDump.ReadAllAsync(_redis);
        _output.WriteLine(string.Join("\n", dump.Select(d => d.Key)));
        Assert.True(dump.Count >= 3);
        RedisDump.AssertNothingRevealed(dump, "alice123", token, ["ALICE", "BOB"]);
        RedisDump.AssertNothingRevealed(dump, "wrong-pass-1", token, []);
        foreach (var (what, bytes) in RedisDump.Encodings(File.ReadAllText(_sessionKeyPath).Trim()))
            Assert.DoesNotContain(dump, d => d.Value.AsSpan().IndexOf(bytes) >= 0);
    }

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("condition not met in time");
            await Task.Delay(100);
        }
    }
}

/// <summary>The scale-out tests start several processes each; running them one class at a time keeps timings honest on 2 cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutCollection
{
    public const string Name = "scale-out";
}
