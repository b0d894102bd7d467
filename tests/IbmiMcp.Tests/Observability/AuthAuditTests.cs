using System.Buffers;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Observability;
using IbmiMcp.Tests.Auth;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Observability;

/// <summary>The auth layer's hooks: every sign-on path and token lifecycle event reaches the audit trail and metrics.</summary>
public sealed class AuthAuditTests : IAsyncDisposable
{
    private readonly TestKeys _keys = new();
    private readonly FakeTime _time = new();
    private readonly FakePools _pools = new();
    private readonly MemoryAuditSink _sink = new();
    private readonly AuditLog _audit;
    private readonly ServerMetrics _metrics = new();
    private readonly IbmiAuthService _service;

    public AuthAuditTests()
    {
        _audit = new AuditLog(_sink, _time);
        var options = new ServerOptions
        {
            HttpAuthEnabled = true, AuthMode = AuthMode.Ibmi, AuthKeyId = AuthHarness.KeyId, AuthPrivateKeyPath = _keys.PrivatePath,
            AuthPublicKeyPath = _keys.PublicPath, Db2iHost = AuthHarness.Host, SignOnMaxFailures = 2, SignOnLockoutSeconds = 600,
        };
        _service = AuthTestExtensions.CreateService(options, _time, _pools, new Telemetry(_audit, _metrics));
    }

    public async ValueTask DisposeAsync()
    {
        await _service.DisposeAsync();
        _audit.Dispose();
        _metrics.Dispose();
        _keys.Dispose();
    }

    private async Task<Reply> SignOnAsync(byte[] body, string remote = "10.0.0.5")
    {
        var context = AuthHarness.Context("POST", body, remote: remote);
        await _service.Endpoints.SignOnAsync(context);
        return Reply.From(context);
    }

    private JsonElement[] Lines()
    {
        _audit.Dispose();   // flushes
        return _sink.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
    }

    [Fact]
    public async Task A_successful_sign_on_writes_sign_on_and_token_issued_and_sign_out_writes_token_revoked()
    {
        var reply = await SignOnAsync(AuthHarness.Envelope("alice", "alice123"));
        Assert.Equal(201, reply.Status);
        var token = reply.Json.GetProperty("access_token").GetString()!;
        var signOut = AuthHarness.Context("DELETE", remote: "10.0.0.5", authorization: "Bearer " + token);
        await _service.Endpoints.SignOutAsync(signOut);
        Assert.Equal(204, signOut.Response.StatusCode);

        var lines = Lines();
        Assert.Equal(["sign_on", "token_issued", "token_revoked"], lines.Select(l => l.GetProperty("event").GetString()));
        Assert.Equal("ALICE", lines[0].GetProperty("user").GetString());
        Assert.Equal("success", lines[0].GetProperty("outcome").GetString());
        Assert.Equal("10.0.0.5", lines[0].GetProperty("client_address").GetString());
        var session = lines[0].GetProperty("session").GetString();
        Assert.False(string.IsNullOrEmpty(session));
        Assert.Equal(session, lines[1].GetProperty("session").GetString());
        Assert.Equal(_time.GetUtcNow().AddSeconds(3600).UtcDateTime, lines[1].GetProperty("expires_at").GetDateTime());
        Assert.Equal("sign_out", lines[2].GetProperty("reason").GetString());
        Assert.Equal(session, lines[2].GetProperty("session").GetString());

        new SecretScanner().AddDemoPasswords().AddSecret(token, "token").AssertClean(string.Concat(_sink.Lines), "audit log");
        Assert.Equal(1, Scrape().Value("ibmi_signons_total", ("outcome", "success")));
    }

    [Fact]
    public async Task Failures_then_the_lockout_are_audited_with_reasons_and_counted()
    {
        Assert.Equal(401, (await SignOnAsync(AuthHarness.Envelope("BOB", "wrong-pass-1"))).Status);
        Assert.Equal(401, (await SignOnAsync(AuthHarness.Envelope("BOB", "wrong-pass-2"))).Status);
        Assert.Equal(429, (await SignOnAsync(AuthHarness.Envelope("BOB", "bob12345"))).Status);

        var lines = Lines();
        Assert.Equal(["failure", "failure", "rate_limited"], lines.Select(l => l.GetProperty("outcome").GetString()));
        Assert.Equal(["invalid_credentials", "invalid_credentials", "locked_out"], lines.Select(l => l.GetProperty("reason").GetString()));
        Assert.All(lines, l => Assert.Equal("BOB", l.GetProperty("user").GetString()));
        new SecretScanner().AddSecret("wrong-pass-1").AddSecret("wrong-pass-2").AddDemoPasswords().AssertClean(string.Concat(_sink.Lines), "audit log");

        var e = Scrape();
        Assert.Equal(2, e.Value("ibmi_signons_total", ("outcome", "failure")));
        Assert.Equal(1, e.Value("ibmi_signons_total", ("outcome", "rate_limited")));
    }

    [Fact]
    public async Task An_unreadable_envelope_is_audited_without_a_user_and_an_unreachable_ibmi_with_its_reason()
    {
        Assert.Equal(400, (await SignOnAsync(Encoding.UTF8.GetBytes("""{"keyId":"test-key-1","ciphertext":"AAAA"}"""))).Status);
        _pools.FailWith = IbmiMcp.Mapepire.MapepireFailure.Unreachable;
        await SignOnAsync(AuthHarness.Envelope("ALICE", "alice123"));

        var lines = Lines();
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("user").ValueKind);
        Assert.Equal("bad_envelope", lines[0].GetProperty("reason").GetString());
        Assert.Equal("unreachable", lines[1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Expired_tokens_are_audited_once_whether_found_at_use_or_by_the_reaper()
    {
        var first = (await SignOnAsync(AuthHarness.Envelope("ALICE", "alice123"))).Json.GetProperty("access_token").GetString()!;
        await SignOnAsync(AuthHarness.Envelope("BOB", "bob12345"));
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(TokenLookup.Expired, _service.Tokens.TryGet(first, out _));   // found at use
        await _service.ReapAsync();                                                 // BOB's by the reaper
        await _service.ReapAsync();

        var expired = Lines().Where(l => l.GetProperty("event").GetString() == "token_expired").ToArray();
        Assert.Equal(["ALICE", "BOB"], expired.Select(l => l.GetProperty("user").GetString()).Order());
    }

    private PrometheusTextParser.Exposition Scrape()
    {
        var buffer = new ArrayBufferWriter<byte>();
        _metrics.WritePrometheus(buffer);
        return PrometheusTextParser.Parse(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
