using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IbmiMcp.Auth;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Auth;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// Per-user isolation under concurrency, against the real binary: eight IBM i users, each with its own token, call
/// tools at the same time while other sign-ons, a revocation and an expiry happen. Every statement the emulator ran
/// must have run in a job of the user whose token sent it (its ClientInfo record), and every answer must carry that
/// user's own rows (USER, and a tag only that caller used). Zero mismatches.
/// </summary>
public sealed partial class IsolationUnderLoadTests : IAsyncLifetime
{
    private const int Users = 8;
    private const int CallsPerUser = 40;
    private EmulatorHost _emulator = null!;
    private TestKeys _keys = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        for (var i = 1; i <= Users; i++) _emulator.Users.Add($"ISO{i}", $"iso{i}pass");
        _keys = new TestKeys();
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        _keys.Dispose();
    }

    private static async Task<(HttpStatusCode Status, string? Token)> SignOnAsync(HttpClient client, string user, string password, int? duration = null)
    {
        var envelope = CredentialEnvelopeWriter.Write(TestKeys.Primary, AuthHarness.KeyId, user, Encoding.UTF8.GetBytes(password), "127.0.0.1",
            new(Duration: duration, PoolStart: 1, PoolMax: 2, IssuedAt: DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var response = await client.PostAsync("/api/v1/auth", new ByteArrayContent(envelope) { Headers = { ContentType = new("application/json") } });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.StatusCode == HttpStatusCode.Created ? JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString() : null);
    }

    private static async Task<(HttpStatusCode Status, JsonElement? Row)> QueryAsync(HttpClient client, string token, string tag)
    {
        var (status, isError, text, row) = await McpCall.ExecuteSqlAsync(client, $"SELECT USER AS ME, '{tag}' AS TAG FROM SYSIBM.SYSDUMMY1", token);
        Assert.False(status == HttpStatusCode.OK && isError, text);
        return (status, row);
    }

    [Fact]
    public async Task Eight_users_hammering_at_once_only_ever_see_their_own_rows()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?>(IbmiSignOn.Environment(_keys, _emulator.Port))
        {
                        ["IBMI_ENABLE_EXECUTE_SQL"] = "true", ["MCP_SESSION_MODE"] = "stateless", ["IBMI_AUTH_MAX_CONCURRENT_SESSIONS"] = "100",
        });
        using var client = server.CreateClient();
        var tokens = new string[Users + 1];
        for (var i = 1; i <= Users; i++)
            tokens[i] = (await SignOnAsync(client, $"ISO{i}", $"iso{i}pass")).Token ?? throw new InvalidOperationException($"ISO{i} did not sign on");
        _emulator.ClearClientInfo();

        var mismatches = new ConcurrentBag<string>();
        var answered = 0;
        async Task Caller(int user)
        {
            for (var n = 0; n < CallsPerUser; n++)
            {
                var tag = $"T{user}x{n}";
                var (status, row) = await QueryAsync(client, tokens[user], tag);
                if (status != HttpStatusCode.OK) { mismatches.Add($"ISO{user} call {n}: HTTP {(int)status}"); continue; }
                var me = row!.Value.GetProperty("ME").GetString()!.Trim();
                var seen = row.Value.GetProperty("TAG").GetString();
                if (me != $"ISO{user}" || seen != tag) mismatches.Add($"ISO{user} sent {tag}, got {me}/{seen}");
                Interlocked.Increment(ref answered);
            }
        }

        // Meanwhile: sign-ons, a revoked token and an expiring one, on the same users and pools.
        async Task Churn()
        {
            for (var round = 0; round < 6; round++)
            {
                var user = round % Users + 1;
                var (_, extra) = await SignOnAsync(client, $"ISO{user}", $"iso{user}pass");
                var (status, row) = await QueryAsync(client, extra!, $"C{user}x{round}");
                if (status != HttpStatusCode.OK || row!.Value.GetProperty("ME").GetString()!.Trim() != $"ISO{user}") mismatches.Add($"churn ISO{user}: {status}");
                using var revoke = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth");
                revoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", extra);
                Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(revoke)).StatusCode);
                var (after, _) = await QueryAsync(client, extra!, $"R{user}x{round}");
                if (after != HttpStatusCode.Unauthorized) mismatches.Add($"revoked token of ISO{user} answered {(int)after}");
            }
            var (_, shortLived) = await SignOnAsync(client, "ISO1", "iso1pass", duration: 1);
            await Task.Delay(TimeSpan.FromSeconds(2.2));
            var (expired, _) = await QueryAsync(client, shortLived!, "E1");
            if (expired != HttpStatusCode.Unauthorized) mismatches.Add($"expired token answered {(int)expired}");
        }

        await Task.WhenAll(Enumerable.Range(1, Users).Select(Caller).Append(Churn()));

        Assert.Empty(mismatches);
        Assert.Equal(Users * CallsPerUser, answered);
        // The emulator's view: every statement carrying a caller's tag ran in that caller's own job.
        var records = _emulator.ClientInfo.Where(r => TagOf().IsMatch(r.Sql)).ToList();
        Assert.True(records.Count >= Users * CallsPerUser, $"{records.Count} tagged statements recorded");
        foreach (var record in records)
        {
            var m = TagOf().Match(record.Sql);
            Assert.Equal($"ISO{m.Groups[2].Value}", record.User);
        }
        Assert.DoesNotContain(records, r => r.Sql.Contains("'R", StringComparison.Ordinal) || r.Sql.Contains("'E1'", StringComparison.Ordinal));   // revoked/expired never ran
    }

    [GeneratedRegex(@"'([TC])(\d+)x\d+'")]
    private static partial Regex TagOf();
}
