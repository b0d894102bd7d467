using System.Text.Json;
using IbmiMcp.Configuration;
using IbmiMcp.Observability;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Observability;

public sealed class AuditLogTests
{
    private static readonly ManualTimeProvider s_time = new();

    private static (AuditLog Log, MemoryAuditSink Sink) Create(bool showValues = false, int capacity = AuditLog.DefaultCapacity)
    {
        var sink = new MemoryAuditSink();
        return (new AuditLog(sink, s_time, showValues, capacity), sink);
    }

    private static JsonElement[] Parse(IEnumerable<string> lines) =>
        lines.Select(l =>
        {
            Assert.EndsWith("\n", l);
            Assert.DoesNotContain('\n', l[..^1]);
            return JsonDocument.Parse(l).RootElement;
        }).ToArray();

    private static Dictionary<string, JsonElement> Arguments(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static ToolCallAuditRecord SampleCall(Dictionary<string, JsonElement>? args = null) => new()
    {
        Tool = "employee_lookup",
        User = "ALICE",
        Identity = "ALICE",
        ClientAddress = "127.0.0.1",
        McpClient = "claude-code",
        SessionId = "s-1a2b3c",
        Arguments = args ?? Arguments("""{"employee_id":"000010","salary_floor":50000}"""),
        StatementId = "q7",
        Job = "123456/QUSER/QZDASOINIT",
        Rows = 1,
        Truncated = false,
        Duration = TimeSpan.FromMilliseconds(12.3456),
        Outcome = ToolCallOutcome.Success,
    };

    [Fact]
    public void Sign_on_events_are_one_json_line_each_with_outcome_and_reason()
    {
        var (log, sink) = Create();
        log.SignOn("ALICE", "127.0.0.1", SignOnResult.Success, sessionId: "s-1");
        log.SignOn("BOB", "10.0.0.7", SignOnResult.Failure, "invalid_credentials");
        log.SignOn("MALLORY", "10.0.0.8", SignOnResult.RateLimited, "locked_out");
        log.Dispose();

        var lines = Parse(sink.Lines);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Equal("sign_on", l.GetProperty("event").GetString()));
        Assert.Equal("2026-11-26T08:00:00Z", lines[0].GetProperty("time").GetString());
        Assert.Equal("ALICE", lines[0].GetProperty("user").GetString());
        Assert.Equal("success", lines[0].GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("reason").ValueKind);
        Assert.Equal("s-1", lines[0].GetProperty("session").GetString());
        Assert.Equal("failure", lines[1].GetProperty("outcome").GetString());
        Assert.Equal("invalid_credentials", lines[1].GetProperty("reason").GetString());
        Assert.Equal("10.0.0.7", lines[1].GetProperty("client_address").GetString());
        Assert.Equal("rate_limited", lines[2].GetProperty("outcome").GetString());
        Assert.Equal("locked_out", lines[2].GetProperty("reason").GetString());
    }

    [Fact]
    public void Token_events_name_the_session_and_never_the_token()
    {
        var (log, sink) = Create();
        var expires = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
        log.TokenIssued("ALICE", "s-1", expires, "127.0.0.1");
        log.TokenRevoked("ALICE", "s-1", "sign_out", "127.0.0.1");
        log.TokenExpired("BOB", "s-2");
        log.Dispose();

        var lines = Parse(sink.Lines);
        Assert.Equal(["token_issued", "token_revoked", "token_expired"], lines.Select(l => l.GetProperty("event").GetString()));
        Assert.Equal("2026-11-26T09:00:00Z", lines[0].GetProperty("expires_at").GetString());
        Assert.Equal("s-1", lines[0].GetProperty("session").GetString());
        Assert.Equal("sign_out", lines[1].GetProperty("reason").GetString());
        Assert.Equal("BOB", lines[2].GetProperty("user").GetString());
        Assert.Equal("s-2", lines[2].GetProperty("session").GetString());
    }

    [Fact]
    public void OAuth_grant_lines_name_the_client_by_id_and_name()
    {
        var (log, sink) = Create();
        log.OAuthGrant("signed_in", "ALICE", "dcr_abc", "Claude", "s-1", clientAddress: "127.0.0.1");
        log.OAuthGrant("ended", "ALICE", "https://app.example.com/client.json", "App", "s-2", "refresh_reused", "127.0.0.2");
        log.Dispose();

        var lines = Parse(sink.Lines);
        Assert.Equal(["oauth_grant", "oauth_grant"], lines.Select(l => l.GetProperty("event").GetString()));
        Assert.Equal(("signed_in", "dcr_abc", "Claude", "s-1"), (lines[0].GetProperty("action").GetString(), lines[0].GetProperty("client_id").GetString(),
            lines[0].GetProperty("client_name").GetString(), lines[0].GetProperty("session").GetString()));
        Assert.False(lines[0].TryGetProperty("reason", out _));
        Assert.Equal(("ended", "refresh_reused", "127.0.0.2"), (lines[1].GetProperty("action").GetString(), lines[1].GetProperty("reason").GetString(),
            lines[1].GetProperty("client_address").GetString()));
    }

    [Fact]
    public void Tool_call_lines_carry_every_field_and_only_parameter_names_by_default()
    {
        var (log, sink) = Create();
        log.ToolCall(SampleCall());
        log.Dispose();

        var line = Assert.Single(Parse(sink.Lines));
        Assert.Equal("tool_call", line.GetProperty("event").GetString());
        Assert.Equal("ALICE", line.GetProperty("user").GetString());
        Assert.False(line.TryGetProperty("identity", out _));   // same as user: not repeated
        Assert.Equal("127.0.0.1", line.GetProperty("client_address").GetString());
        Assert.Equal("claude-code", line.GetProperty("mcp_client").GetString());
        Assert.Equal("s-1a2b3c", line.GetProperty("session").GetString());
        Assert.Equal("employee_lookup", line.GetProperty("tool").GetString());
        Assert.Equal(["employee_id", "salary_floor"], line.GetProperty("parameters").EnumerateArray().Select(e => e.GetString()));
        Assert.False(line.TryGetProperty("parameter_values", out _));
        Assert.Equal("q7", line.GetProperty("statement").GetString());
        Assert.Equal("123456/QUSER/QZDASOINIT", line.GetProperty("job").GetString());
        Assert.Equal(1, line.GetProperty("rows").GetInt64());
        Assert.False(line.GetProperty("truncated").GetBoolean());
        Assert.Equal(12.346, line.GetProperty("duration_ms").GetDouble());
        Assert.Equal("success", line.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("sql_state").ValueKind);
        Assert.DoesNotContain("000010", sink.Lines[0]);
        Assert.DoesNotContain("50000", sink.Lines[0]);
    }

    [Fact]
    public void Tool_call_values_appear_only_when_configured_and_long_strings_are_capped()
    {
        var (log, sink) = Create(showValues: true);
        var args = Arguments($$"""{"employee_id":"000010","limit":5,"note":"{{new string('x', 1000)}}"}""");
        log.ToolCall(SampleCall(args));
        // The log copied the values: changing the caller's dictionary afterwards changes nothing.
        args.Clear();
        log.Dispose();

        var line = Assert.Single(Parse(sink.Lines));
        var values = line.GetProperty("parameter_values");
        Assert.Equal("000010", values.GetProperty("employee_id").GetString());
        Assert.Equal(5, values.GetProperty("limit").GetInt32());
        Assert.Equal(256, values.GetProperty("note").GetString()!.Length);
    }

    [Fact]
    public void Failed_tool_calls_record_outcome_sql_state_and_the_mcp_identity_when_it_differs()
    {
        var (log, sink) = Create();
        log.ToolCall(SampleCall() with
        {
            User = "MCPUSER", Identity = "client-42", Outcome = ToolCallOutcome.SqlError, SqlState = "42501", Rows = -1, McpClient = null,
        });
        log.Dispose();

        var line = Assert.Single(Parse(sink.Lines));
        Assert.Equal("sql_error", line.GetProperty("outcome").GetString());
        Assert.Equal("42501", line.GetProperty("sql_state").GetString());
        Assert.Equal("client-42", line.GetProperty("identity").GetString());
        Assert.Equal(-1, line.GetProperty("rows").GetInt64());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("mcp_client").ValueKind);
    }

    [Fact]
    public void Hostile_names_stay_inside_one_escaped_line()
    {
        var (log, sink) = Create();
        log.SignOn("EVIL\n{\"event\":\"sign_on\"}", "127.0.0.1", SignOnResult.Failure, "invalid_credentials");
        log.ToolCall(SampleCall(Arguments("""{"a\nb":1,"\ud83d\ude00":2}""")) with { Tool = new string('t', 120) + "\ud83d\ude00" + new string('u', 20) });
        log.Dispose();

        var lines = Parse(sink.Lines);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("EVIL\n{", lines[0].GetProperty("user").GetString());
        Assert.Equal(["a\nb", "\ud83d\ude00"], lines[1].GetProperty("parameters").EnumerateArray().Select(e => e.GetString()));
        Assert.True(lines[1].GetProperty("tool").GetString()!.Length <= 128);
    }

    [Fact]
    public void A_full_buffer_drops_and_counts_events_instead_of_blocking_the_caller()
    {
        var (log, sink) = Create(capacity: 4);
        sink.Block();
        log.SignOn("FIRST", null, SignOnResult.Success);
        Assert.True(sink.WaitUntilWriting(TimeSpan.FromSeconds(10)));   // the writer holds FIRST and is stuck

        for (var i = 0; i < 100; i++)
            log.ToolCall(SampleCall());   // returns at once although nothing can be written
        Assert.Equal(96, log.Dropped);

        sink.Unblock();
        log.Dispose();
        var lines = Parse(sink.Lines);
        Assert.Equal(5 + 1, lines.Length);   // FIRST, 4 buffered calls, one drop report
        var report = lines[^1];
        Assert.Equal("audit_dropped", report.GetProperty("event").GetString());
        Assert.Equal(96, report.GetProperty("count").GetInt64());
        Assert.Equal(96, report.GetProperty("total").GetInt64());
    }

    [Fact]
    public void Events_from_many_threads_are_all_written_once()
    {
        var (log, sink) = Create();
        Parallel.For(0, 8, t =>
        {
            for (var i = 0; i < 500; i++)
                log.SignOn($"U{t}", null, SignOnResult.Success, reason: i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        log.Dispose();

        Assert.Equal(0, log.Dropped);
        Assert.Equal(4000, log.Written);
        var lines = Parse(sink.Lines);
        Assert.Equal(4000, lines.Select(l => l.GetProperty("user").GetString() + "/" + l.GetProperty("reason").GetString()).Distinct().Count());
    }

    [Fact]
    public void Events_after_dispose_are_counted_as_dropped()
    {
        var (log, sink) = Create();
        log.Dispose();
        log.TokenExpired("ALICE", "s-1");
        Assert.Equal(1, log.Dropped);
        Assert.Empty(sink.Lines);
    }

    [Fact]
    public void Unset_audit_setting_gives_the_null_log_and_stderr_or_path_give_a_real_one()
    {
        Assert.Same(NullAuditLog.Instance, AuditLog.Create(new ServerOptions(), s_time, NullLogger.Instance));

        var dir = Directory.CreateTempSubdirectory("audit-");
        try
        {
            var path = Path.Combine(dir.FullName, "sub", "audit.log");
            using (var log = AuditLog.Create(new ServerOptions { AuditLog = path }, s_time, NullLogger.Instance))
            {
                Assert.True(log.Enabled);
                log.TokenExpired("ALICE", "s-1");
            }
            var line = Assert.Single(File.ReadAllLines(path));
            Assert.Equal("token_expired", JsonDocument.Parse(line).RootElement.GetProperty("event").GetString());
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void An_audit_path_that_cannot_be_opened_is_refused_with_the_setting_named()
    {
        var file = Path.GetTempFileName();
        try
        {
            var options = new ServerOptions { AuditLog = Path.Combine(file, "audit.log") };   // a directory that is a file
            Assert.False(AuditLog.TryCreate(options, s_time, NullLogger.Instance, out var log, out var error));
            Assert.Same(NullAuditLog.Instance, log);
            Assert.StartsWith("MCP_AUDIT_LOG=", error);
            Assert.Throws<InvalidOperationException>(() => AuditLog.Create(options, s_time, NullLogger.Instance));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Audit_lines_never_contain_the_secrets_of_a_session()
    {
        var (log, sink) = Create(showValues: false);
        const string password = "alice123";
        const string token = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
        log.SignOn("ALICE", "127.0.0.1", SignOnResult.Success, sessionId: "s-1");
        log.TokenIssued("ALICE", "s-1", s_time.GetUtcNow().AddHours(1));
        log.ToolCall(SampleCall(Arguments("""{"password_hint":"alice123"}""")));
        log.Dispose();

        new SecretScanner().AddSecret(password).AddSecret(token).AssertClean(string.Concat(sink.Lines), "audit log");
    }
}
