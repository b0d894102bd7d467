using System.Globalization;
using System.Text;
using IbmiMcp.Auth;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Auth;

public sealed class AuthEndpointsTests : IAsyncLifetime
{
    private AuthHarness _h = null!;

    public Task InitializeAsync()
    {
        _h = new AuthHarness(retired: true);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Public_key_returns_key_id_and_pem()
    {
        var context = AuthHarness.Context("GET", https: false);
        await _h.Service.Endpoints.PublicKeyAsync(context);
        var reply = Reply.From(context);
        Assert.Equal(200, reply.Status);
        Assert.Equal(AuthHarness.KeyId, reply.Json.GetProperty("keyId").GetString());
        Assert.Equal(File.ReadAllText(_h.Keys.PublicPath), reply.Json.GetProperty("publicKey").GetString());
    }

    [Fact]
    public async Task A_body_whose_strings_are_not_UTF8_is_a_400_not_a_500()
    {
        // Found by fuzzing: JSON structure is valid, but a string holds bytes that are not UTF-8.
        var body = "{\"keyId\":\"x\u00ff\",\"encryptedSessionKey\":\"QQ==\",\"iv\":\"QQ==\",\"authTag\":\"QQ==\",\"ciphertext\":\"QQ==\"}"u8.ToArray();
        body[11] = 0xFF;   // replaces the first byte of the escaped sequence with a lone 0xFF
        var reply = await _h.SignOnAsync(body);
        Assert.Equal(400, reply.Status);
    }

    [Fact]
    public async Task Sign_on_returns_201_with_the_reference_body()
    {
        var reply = await _h.SignOnAsync(AuthHarness.Envelope(options: new(Duration: 120, PoolStart: 1, PoolMax: 3)));
        Assert.Equal(201, reply.Status);
        var json = reply.Json;
        Assert.Equal(43, json.GetProperty("access_token").GetString()!.Length);
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(120, json.GetProperty("expires_in").GetInt32());
        var expected = _h.Time.GetUtcNow().AddSeconds(120).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(expected, json.GetProperty("expires_at").GetString());
        Assert.Equal("no-store", reply.Headers.CacheControl.ToString());
        Assert.Equal((1, 3, AuthHarness.Host), (_h.Pools.LastPoolStart, _h.Pools.LastPoolMax, _h.Pools.LastHost));
    }

    [Fact]
    public async Task Default_lifetime_is_the_configured_expiry()
    {
        var reply = await _h.SignOnAsync(AuthHarness.Envelope());
        Assert.Equal(3600, reply.Json.GetProperty("expires_in").GetInt32());
    }

    [Fact]
    public async Task Token_authenticates_as_the_signed_on_user_with_their_own_pool()
    {
        var token = await _h.TokenAsync("alice", "alice123");
        var context = AuthHarness.Context("POST", authorization: "Bearer " + token);
        Assert.True(_h.Service.Bearer.TryAuthenticate(context, out var caller, out _));
        Assert.Equal("ALICE", caller.Identity);
        Assert.Equal(CallerKind.IbmiToken, caller.Kind);
        Assert.Same(_h.Pools.Opened.Single(), caller.Sql);
        Assert.Equal("127.0.0.1", caller.ClientAddress);
        Assert.Equal(12, caller.SessionId!.Length);
    }

    [Fact]
    public async Task Both_the_active_and_the_retired_key_sign_on()
    {
        Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope())).Status);
        Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope(key: TestKeys.Secondary, keyId: "old-key"))).Status);
    }

    [Fact]
    public async Task Plain_http_is_refused_with_the_json_rpc_envelope()
    {
        var reply = await _h.SignOnAsync(AuthHarness.Envelope(), https: false);
        Assert.Equal(400, reply.Status);
        Assert.Equal("2.0", reply.Json.GetProperty("jsonrpc").GetString());
        Assert.Equal(-32600, reply.ErrorCode);
        Assert.Equal("HTTPS/TLS is required for authentication endpoints", reply.ErrorMessage);
        Assert.Equal(0, _h.Pools.Attempts);
    }

    [Fact]
    public async Task Forwarded_proto_from_an_untrusted_client_does_not_count_as_https()
    {
        var reply = await _h.SignOnAsync(AuthHarness.Envelope(), https: false,
            prepare: c => c.Request.Headers["X-Forwarded-Proto"] = "https");
        Assert.Equal(400, reply.Status);
    }

    [Fact]
    public async Task Forwarded_proto_from_a_trusted_proxy_counts_as_https()
    {
        await using var h = new AuthHarness(o => new() { HttpAuthEnabled = true, AuthKeyId = o.AuthKeyId, AuthPrivateKeyPath = o.AuthPrivateKeyPath,
            AuthPublicKeyPath = o.AuthPublicKeyPath, Db2iHost = o.Db2iHost, TrustedProxies = ["127.0.0.1"] });
        var reply = await h.SignOnAsync(AuthHarness.Envelope(), https: false,
            prepare: c => c.Request.Headers["X-Forwarded-Proto"] = "https");
        Assert.Equal(201, reply.Status);
    }

    [Fact]
    public async Task Plain_http_is_accepted_when_explicitly_allowed()
    {
        await using var h = new AuthHarness(o => new() { HttpAuthEnabled = true, AuthKeyId = o.AuthKeyId, AuthPrivateKeyPath = o.AuthPrivateKeyPath,
            AuthPublicKeyPath = o.AuthPublicKeyPath, Db2iHost = o.Db2iHost, AuthAllowHttp = true });
        Assert.Equal(201, (await h.SignOnAsync(AuthHarness.Envelope(), https: false)).Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/jsonx")]
    public async Task Non_json_content_type_is_415(string? contentType)
    {
        var reply = await _h.SignOnAsync(AuthHarness.Envelope(), contentType: contentType);
        Assert.Equal(415, reply.Status);
    }

    [Fact]
    public async Task Json_content_type_with_charset_is_accepted()
    {
        Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope(), contentType: "Application/JSON; charset=utf-8")).Status);
    }

    [Fact]
    public async Task Oversized_bodies_are_413_whether_declared_or_streamed()
    {
        var big = new byte[CredentialEnvelope.MaxBodyBytes + 1];
        Assert.Equal(413, (await _h.SignOnAsync(big)).Status);
        var streamed = await _h.SignOnAsync(big, prepare: c => c.Request.ContentLength = null);
        Assert.Equal(413, streamed.Status);
        Assert.Equal("Request body too large: the limit is 16384 bytes", streamed.ErrorMessage);
    }

    [Fact]
    public async Task Envelope_errors_use_the_error_object_shape()
    {
        var reply = await _h.SignOnAsync(Encoding.UTF8.GetBytes("{"));
        Assert.Equal(400, reply.Status);
        Assert.False(reply.Json.TryGetProperty("jsonrpc", out _));
        Assert.Equal((-32600, "Invalid JSON in request body"), (reply.ErrorCode, reply.ErrorMessage));
    }

    [Fact]
    public async Task Hosts_outside_the_allow_list_are_refused_before_any_connection()
    {
        var reply = await _h.SignOnAsync(AuthHarness.Envelope(host: "attacker.example.net"));
        Assert.Equal(403, reply.Status);
        Assert.Contains("IBMI_AUTH_ALLOWED_HOSTS", reply.ErrorMessage);
        Assert.Equal(0, _h.Pools.Attempts);
        Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope(host: "IBMI.Example.com"))).Status);
    }

    [Fact]
    public async Task Wrong_password_is_401_and_leaves_nothing_behind()
    {
        var reply = await _h.SignOnAsync(AuthHarness.Envelope(password: "wrong"));
        Assert.Equal(401, reply.Status);
        Assert.Equal((-32006, "IBM i rejected the user profile or password"), (reply.ErrorCode, reply.ErrorMessage));
        Assert.Equal(0, _h.Service.Tokens.Count);
        Assert.Equal(0, _h.Pools.OpenCount);
    }

    [Theory]
    [InlineData(MapepireFailure.Unreachable, 502, -32009)]
    [InlineData(MapepireFailure.Tls, 502, -32009)]
    [InlineData(MapepireFailure.Timeout, 504, -32004)]
    [InlineData(MapepireFailure.Protocol, 502, -32009)]
    public async Task Pool_failures_map_to_gateway_statuses(MapepireFailure failure, int status, int code)
    {
        _h.Pools.FailWith = failure;
        var reply = await _h.SignOnAsync(AuthHarness.Envelope());
        Assert.Equal((status, code), (reply.Status, reply.ErrorCode));
        Assert.Contains(AuthHarness.Host, reply.ErrorMessage);
        Assert.Equal(0, _h.Service.Tokens.Count);
    }

    [Fact]
    public async Task A_deadline_cancellation_from_the_pool_is_504()
    {
        _h.Pools.Throw = new OperationCanceledException();
        Assert.Equal(504, (await _h.SignOnAsync(AuthHarness.Envelope())).Status);
        Assert.Equal(0, _h.Service.Tokens.Count);
    }

    [Fact]
    public async Task Unexpected_exceptions_are_500_without_detail()
    {
        _h.Pools.Throw = new InvalidOperationException("secret detail");
        var reply = await _h.SignOnAsync(AuthHarness.Envelope());
        Assert.Equal((500, -32603, "Internal server error"), (reply.Status, reply.ErrorCode, reply.ErrorMessage));
        Assert.Equal(0, _h.Service.Tokens.Count);
    }

    [Fact]
    public async Task Client_leaving_during_sign_on_gets_no_token_and_the_pool_is_closed()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Pools.Gate = gate;
        using var abort = new CancellationTokenSource();
        var context = AuthHarness.Context("POST", AuthHarness.Envelope());
        context.RequestAborted = abort.Token;
        var running = _h.Service.Endpoints.SignOnAsync(context);
        abort.Cancel();
        gate.SetResult();
        await running;
        Assert.Equal(0, _h.Service.Tokens.Count);
        Assert.Equal(0, _h.Pools.OpenCount);
    }

    [Fact]
    public async Task Repeated_bad_passwords_are_throttled_before_reaching_ibm_i()
    {
        for (int i = 0; i < 3; i++)
            Assert.Equal(401, (await _h.SignOnAsync(AuthHarness.Envelope(password: "guess" + i))).Status);
        var reply = await _h.SignOnAsync(AuthHarness.Envelope(password: "guess3"));
        Assert.Equal(429, reply.Status);
        Assert.Equal("600", reply.Headers.RetryAfter.ToString());
        Assert.Equal(-32003, reply.ErrorCode);
        Assert.Equal(3, _h.Pools.Attempts);
        // Even the right password waits: the lockout protects the profile, not the guess.
        Assert.Equal(429, (await _h.SignOnAsync(AuthHarness.Envelope())).Status);
        Assert.Equal(3, _h.Pools.Attempts);
        // Another user from another address is unaffected.
        Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope("BOB", "bob12345"), remote: "127.0.0.9")).Status);
    }

    [Fact]
    public async Task Max_sessions_is_503_with_retry_after()
    {
        await using var h = new AuthHarness(o => new() { HttpAuthEnabled = true, AuthKeyId = o.AuthKeyId, AuthPrivateKeyPath = o.AuthPrivateKeyPath,
            AuthPublicKeyPath = o.AuthPublicKeyPath, Db2iHost = o.Db2iHost, MaxConcurrentSessions = 1 });
        await h.TokenAsync(duration: 45);
        var reply = await h.SignOnAsync(AuthHarness.Envelope("BOB", "bob12345"));
        Assert.Equal(503, reply.Status);
        Assert.Equal("Maximum concurrent sessions reached. Please try again later", reply.ErrorMessage);
        Assert.Equal("45", reply.Headers.RetryAfter.ToString());
        // An expired session's slot is reclaimed at once, without waiting for the reaper.
        h.Time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(201, (await h.SignOnAsync(AuthHarness.Envelope("BOB", "bob12345"))).Status);
    }

    [Fact]
    public async Task Two_hundred_concurrent_sign_ons_never_exceed_the_session_limit()
    {
        await using var h = new AuthHarness(o => new() { HttpAuthEnabled = true, AuthKeyId = o.AuthKeyId, AuthPrivateKeyPath = o.AuthPrivateKeyPath,
            AuthPublicKeyPath = o.AuthPublicKeyPath, Db2iHost = o.Db2iHost, MaxConcurrentSessions = 50, SignOnMaxFailures = 1000 });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Pools.Gate = gate; // hold every admitted sign-on open until all 200 have been tried
        var bodies = Enumerable.Range(0, 200).Select(_ => AuthHarness.Envelope()).ToArray();
        var running = bodies.Select((b, i) => Task.Run(() => h.SignOnAsync(b, remote: "127.0.0." + (1 + i % 250)))).ToArray();
        // Wait (bounded) until 50 sign-ons sit inside IBM i and the other 150 have been answered.
        for (int i = 0; i < 3000 && (h.Pools.Attempts < 50 || running.Count(t => t.IsCompleted) < 150); i++)
            await Task.Delay(10);
        gate.SetResult();
        var replies = await Task.WhenAll(running);
        Assert.Equal(50, replies.Count(r => r.Status == 201));
        Assert.Equal(150, replies.Count(r => r.Status == 503));
        Assert.Equal(50, h.Pools.Attempts);
        Assert.Equal(50, h.Service.Tokens.Count);
    }

    [Fact]
    public async Task Sign_out_closes_the_pool_and_the_token_stops_working()
    {
        var token = await _h.TokenAsync();
        var context = AuthHarness.Context("DELETE", authorization: "Bearer " + token);
        await _h.Service.Endpoints.SignOutAsync(context);
        Assert.Equal(204, context.Response.StatusCode);
        Assert.True(_h.Pools.Opened.Single().Disposed);
        Assert.Equal(0, _h.Service.Tokens.Count);

        var again = AuthHarness.Context("DELETE", authorization: "Bearer " + token);
        await _h.Service.Endpoints.SignOutAsync(again);
        var reply = Reply.From(again);
        Assert.Equal(401, reply.Status);
        Assert.Equal("Token not found", reply.ErrorMessage);
        Assert.StartsWith("Bearer realm=\"ibmi-mcp\", error=\"invalid_token\"", reply.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task Reaper_closes_expired_sessions_pools()
    {
        await _h.TokenAsync(duration: 30);
        await _h.TokenAsync("BOB", "bob12345", duration: 300);
        _h.Time.Advance(TimeSpan.FromSeconds(30));
        await _h.Service.ReapAsync();
        Assert.Equal(1, _h.Service.Tokens.Count);
        Assert.Equal(new[] { true, false }, _h.Pools.Opened.Select(p => p.Disposed).ToArray());
    }

    [Fact]
    public async Task Disposing_the_service_closes_every_pool()
    {
        await using var h = new AuthHarness();
        await h.TokenAsync();
        await h.TokenAsync("BOB", "bob12345");
        await h.Service.DisposeAsync();
        Assert.All(h.Pools.Opened, p => Assert.True(p.Disposed));
    }

    [Fact]
    public void Startup_errors_name_each_bad_setting()
    {
        var errors = AuthTestExtensions.CreateErrors(new Configuration.ServerOptions
        {
            HttpAuthEnabled = false, AuthMode = Configuration.AuthMode.Ibmi, TokenExpirySeconds = 0, MaxConcurrentSessions = 0, TrustedProxies = ["x"],
        }, new FakeTime(), new FakePools());
        Assert.Contains(errors, e => e.StartsWith("IBMI_AUTH_TOKEN_EXPIRY_SECONDS=0"));
        Assert.Contains(errors, e => e.StartsWith("IBMI_AUTH_MAX_CONCURRENT_SESSIONS=0"));
        Assert.Contains(errors, e => e.StartsWith("IBMI_HTTP_AUTH_ENABLED=true needs the IBM i hosts"));
        Assert.Contains(errors, e => e.StartsWith("MCP_TRUSTED_PROXIES"));
        Assert.Contains(errors, e => e.StartsWith("IBMI_AUTH_KEY_ID"));
        Assert.Contains(errors, e => e.StartsWith("MCP_AUTH_MODE=ibmi accepts only tokens"));
    }
}
