using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

/// <summary>A captured POST /api/v1/auth body is refused when sent again, and envelopes that carry iat are refused once old.</summary>
public sealed class EnvelopeReplayTests : IAsyncLifetime
{
    private AuthHarness _h = null!;

    public Task InitializeAsync()
    {
        _h = new AuthHarness(configure: o => new Configuration.ServerOptions
        {
            HttpAuthEnabled = o.HttpAuthEnabled, AuthMode = o.AuthMode, AuthKeyId = o.AuthKeyId, AuthPrivateKeyPath = o.AuthPrivateKeyPath,
            AuthPublicKeyPath = o.AuthPublicKeyPath, Db2iHost = o.Db2iHost, MaxConcurrentSessions = 100, SignOnMaxFailures = 3,
            SignOnLockoutSeconds = 600, ReplayWindowSeconds = 300,
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private long Now => _h.Time.GetUtcNow().ToUnixTimeSeconds();

    [Fact]
    public async Task A_replayed_envelope_is_refused_with_409_and_never_reaches_IBM_i()
    {
        var body = AuthHarness.Envelope();
        Assert.Equal(201, (await _h.SignOnAsync(body)).Status);
        var replay = await _h.SignOnAsync(body);
        Assert.Equal(409, replay.Status);
        Assert.Equal(-32600, replay.ErrorCode);
        Assert.Contains("already used", replay.ErrorMessage);
        Assert.Equal(1, _h.Pools.Attempts);
        Assert.Equal(1, _h.Service.Tokens.Count);
    }

    [Fact]
    public async Task A_replay_from_another_address_is_refused_too()
    {
        var body = AuthHarness.Envelope();
        Assert.Equal(201, (await _h.SignOnAsync(body, remote: "127.0.0.1")).Status);
        Assert.Equal(409, (await _h.SignOnAsync(body, remote: "127.0.0.2")).Status);
    }

    [Fact]
    public async Task A_fresh_envelope_of_the_same_credentials_is_a_new_sign_on()
    {
        Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope())).Status);
        Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope())).Status);
    }

    [Fact]
    public async Task An_envelope_whose_sign_on_failed_cannot_be_replayed_either()
    {
        var body = AuthHarness.Envelope(password: "wrong-one");
        Assert.Equal(401, (await _h.SignOnAsync(body)).Status);
        Assert.Equal(409, (await _h.SignOnAsync(body)).Status);
        Assert.Equal(1, _h.Pools.Attempts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-60)]
    public async Task An_envelope_dated_within_the_window_is_accepted(long age)
        => Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope(options: new(IssuedAt: Now - age)))).Status);

    [Theory]
    [InlineData(301)]
    [InlineData(86_400)]
    [InlineData(-61)]
    public async Task An_envelope_older_than_the_window_or_from_the_future_is_refused_before_IBM_i(long age)
    {
        var reply = await _h.SignOnAsync(AuthHarness.Envelope(options: new(IssuedAt: Now - age)));
        Assert.Equal(400, reply.Status);
        Assert.Contains("IBMI_AUTH_REPLAY_WINDOW_SECONDS", reply.ErrorMessage);
        Assert.Equal(0, _h.Pools.Attempts);
    }

    [Fact]
    public async Task Iat_that_is_not_a_number_of_seconds_is_a_payload_error()
    {
        var plain = """{"credentials":{"username":"ALICE","password":"alice123"},"request":{"host":"127.0.0.1"},"iat":"yesterday"}"""u8;
        var reply = await _h.SignOnAsync(CredentialEnvelopeWriter.Seal(TestKeys.Primary, AuthHarness.KeyId, plain));
        Assert.Equal(400, reply.Status);
        Assert.Contains("iat must be a positive number", reply.ErrorMessage);
    }

    [Fact]
    public async Task Envelopes_without_iat_keep_working_unless_the_server_requires_it()
    {
        Assert.Equal(201, (await _h.SignOnAsync(AuthHarness.Envelope())).Status);
        await using var strict = new AuthHarness(configure: o => new Configuration.ServerOptions
        {
            HttpAuthEnabled = true, AuthMode = o.AuthMode, AuthKeyId = o.AuthKeyId, AuthPrivateKeyPath = o.AuthPrivateKeyPath,
            AuthPublicKeyPath = o.AuthPublicKeyPath, Db2iHost = o.Db2iHost, RequireIssuedAt = true,
        });
        var refused = await strict.SignOnAsync(AuthHarness.Envelope());
        Assert.Equal(400, refused.Status);
        Assert.Contains("IBMI_AUTH_REQUIRE_ISSUED_AT", refused.ErrorMessage);
        Assert.Equal(201, (await strict.SignOnAsync(AuthHarness.Envelope(options: new(IssuedAt: strict.Time.GetUtcNow().ToUnixTimeSeconds())))).Status);
    }

    [Fact]
    public async Task After_the_window_a_remembered_envelope_is_forgotten_by_the_reaper()
    {
        var body = AuthHarness.Envelope();
        Assert.Equal(201, (await _h.SignOnAsync(body)).Status);
        _h.Time.Advance(TimeSpan.FromSeconds(301));
        await _h.Service.ReapAsync();
        Assert.Equal(0, ((MemoryReplayWindow)_h.Service.Replays).Count);
    }
}
