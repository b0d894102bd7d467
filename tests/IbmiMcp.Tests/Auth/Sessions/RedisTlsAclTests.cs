using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using IbmiMcp.Auth;
using IbmiMcp.Auth.Sessions;
using IbmiMcp.Tests.TestSupport;
using IbmiMcp.Tests.Tools;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Auth.Sessions;

/// <summary>
/// The production-shaped Redis of docs/scale-out.md: TLS only (a private CA), the default user off, and the server's own
/// ACL user limited to its prefix — with exactly the ACL line the docs print (read from the page, so the docs cannot
/// drift from a working line). The whole session store runs under it.
/// </summary>
public sealed partial class RedisTlsAclTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private readonly FakeTime _time = new(DateTimeOffset.UtcNow);
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>The rules of the documented <c>ACL SETUSER ibmi-mcp …</c> line, password replaced.</summary>
    internal static string[] DocumentedAclRules()
    {
        var doc = File.ReadAllText(Path.Combine(ToolTestFiles.RepoRoot, "docs", "scale-out.md"));
        var line = AclLine().Match(doc);
        Assert.True(line.Success, "docs/scale-out.md has no ACL SETUSER ibmi-mcp line");
        return line.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(r => r == ">CHANGE-ME" ? ">acl-test-pw" : r).ToArray();
    }

    public async Task InitializeAsync() => _redis = await RedisServer.StartSecuredAsync(["ibmi-mcp", .. DocumentedAclRules()]);

    public async Task DisposeAsync()
    {
        foreach (var o in _owned) await o.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<(RedisSessionBackend Backend, RedisTokenStore Store, FakePools Pools)> ReplicaAsync(string? caPath, string prefix = "ibmi-mcp:")
    {
        var ring = SessionKeyRing.FromKeys(Key);
        var backend = await RedisSessionBackend.ConnectAsync($"127.0.0.1:{_redis.Port},user=ibmi-mcp,password=acl-test-pw,ssl=true,abortConnect=false,connectTimeout=2000",
            prefix, ring, NullLogger.Instance, caPath);
        var pools = new FakePools();
        var store = new RedisTokenStore(backend, new SessionSealer(ring), pools, 10, TimeSpan.FromHours(1), TimeSpan.FromSeconds(30), _time, NullLogger.Instance);
        await store.StartAsync();
        _owned.Add(store);
        _owned.Add(backend);
        return (backend, store, pools);
    }

    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task The_whole_session_store_works_over_TLS_as_the_documented_least_privilege_user()
    {
        var a = await ReplicaAsync(_redis.CaPath);
        var b = await ReplicaAsync(_redis.CaPath);
        await RedisTokenStoreTests.Eventually(() => a.Backend.IsConnected && b.Backend.IsConnected);

        var slot = await a.Store.TryReserveAsync(default);
        Assert.True(slot.IsGranted);
        var now = _time.GetUtcNow();
        using var request = new SignOnRequest("ALICE", Encoding.UTF8.GetBytes("alice123"), "127.0.0.1", null, 1, 2);
        var token = await a.Store.IssueAsync(slot, new AuthSession("ALICE", "127.0.0.1", new FakePool("ALICE"), now, now.AddHours(1)), request, default);
        Assert.Equal(TokenLookup.Valid, (await b.Store.ResolveAsync(token, default)).Lookup);
        Assert.Equal(TokenLookup.Valid, (await b.Store.ResolveAsync(token, default)).Lookup);

        var guard = new RedisSignOnGuard(a.Backend, 2, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        var attempt = await guard.TryBeginAsync("BOB", "h", "127.0.0.5", default);
        Assert.True(attempt.Admitted);
        await guard.EndAsync(attempt, SignOnOutcome.Rejected);
        Assert.Equal(ReplayCheck.New, await new RedisReplayWindow(a.Backend, TimeSpan.FromMinutes(5)).TryRememberAsync(new(1, 2), default));
        Assert.NotNull(await a.Store.TimeUntilNextExpiryAsync());
        Assert.True(await a.Store.CountAllAsync() >= 1);

        Assert.True(await a.Store.RevokeAsync(token));          // Lua + PUBLISH on the prefix's channel
        await RedisTokenStoreTests.Eventually(() => b.Store.Table.Count == 0);
    }

    [Fact]
    public async Task The_resumable_stream_store_works_as_the_documented_least_privilege_user()
    {
#pragma warning disable MCP9006
        var a = await ReplicaAsync(_redis.CaPath);
        var b = await ReplicaAsync(_redis.CaPath);
        await RedisTokenStoreTests.Eventually(() => a.Backend.IsConnected && b.Backend.IsConnected);
        var options = new IbmiMcp.Configuration.ServerOptions();
        var ring = SessionKeyRing.FromKeys(Key);
        var writerSide = IbmiMcp.Mcp.Resumability.McpEventStore.Create(options, a.Backend, new SessionSealer(ring), NullLoggerFactory.Instance)!;
        var readerSide = IbmiMcp.Mcp.Resumability.McpEventStore.Create(options, b.Backend, new SessionSealer(ring), NullLoggerFactory.Instance)!;
        var alice = new Caller("ALICE", CallerKind.IbmiToken, null, null);

        await writerSide.RecordOwnerAsync("s1", alice, default);
        var writer = await writerSide.Store.CreateStreamAsync(new ModelContextProtocol.Server.SseEventStreamOptions { SessionId = "s1", StreamId = "7" });
        var prime = await writer.WriteEventAsync(new System.Net.ServerSentEvents.SseItem<ModelContextProtocol.Protocol.JsonRpcMessage?>(null, "prime"));
        Assert.Equal(writerSide.Retry, prime.ReconnectionInterval);
        await writer.WriteEventAsync(new System.Net.ServerSentEvents.SseItem<ModelContextProtocol.Protocol.JsonRpcMessage?>(
            new ModelContextProtocol.Protocol.JsonRpcNotification { Method = "notifications/message" }, "message"));
        await writer.DisposeAsync();

        Assert.True(await readerSide.IsOwnedByAsync("s1", alice, default));
        Assert.False(await readerSide.IsOwnedByAsync("s1", new Caller("BOB", CallerKind.IbmiToken, null, null), default));
        var reader = await readerSide.Store.GetStreamReaderAsync(prime.EventId!);
        Assert.NotNull(reader);
        var events = new List<System.Net.ServerSentEvents.SseItem<ModelContextProtocol.Protocol.JsonRpcMessage?>>();
        await foreach (var item in reader!.ReadEventsAsync())
            events.Add(item);
        Assert.Equal("notifications/message", Assert.IsType<ModelContextProtocol.Protocol.JsonRpcNotification>(Assert.Single(events).Data).Method);
#pragma warning restore MCP9006
    }

    [Fact]
    public async Task Without_the_CA_the_connection_is_refused_and_the_store_says_it_is_unavailable()
    {
        var untrusting = await ReplicaAsync(caPath: null);
        await Task.Delay(500);
        Assert.False(untrusting.Backend.IsConnected);
        await Assert.ThrowsAsync<SessionStoreUnavailableException>(async () => await untrusting.Store.TryReserveAsync(default));
    }

    [Fact]
    public async Task The_ACL_user_cannot_reach_keys_outside_its_prefix()
    {
        var outside = await ReplicaAsync(_redis.CaPath, prefix: "other-app:");
        await RedisTokenStoreTests.Eventually(() => outside.Backend.IsConnected);
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await outside.Store.TryReserveAsync(default));
        Assert.Contains("NOPERM", error.ToString());
    }

    [GeneratedRegex(@"ACL SETUSER ibmi-mcp ([^\r\n`]+)")]
    private static partial Regex AclLine();
}
