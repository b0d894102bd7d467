using System.Security.Cryptography;
using System.Text;
using IbmiMcp.Auth;
using IbmiMcp.Auth.Sessions;
using IbmiMcp.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Auth.Sessions;

/// <summary>
/// Two "replicas" (each its own Redis connection, session table, guard and replay window, as two processes would have)
/// against one real redis-server: what one issues the other serves, revocation reaches both, the cap, the guard and the
/// replay window hold across them, and Redis trouble is a clear 503-class failure that heals by itself.
/// </summary>
public sealed class RedisTokenStoreTests : IAsyncLifetime
{
    private static readonly byte[] s_sessionKey = RandomNumberGenerator.GetBytes(32);
    private RedisServer _redis = null!;
    private readonly FakeTime _time = new(DateTimeOffset.UtcNow);
    private readonly List<Replica> _replicas = [];

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var r in _replicas) await r.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private sealed class Replica : IAsyncDisposable
    {
        public required RedisSessionBackend Backend { get; init; }
        public required RedisTokenStore Store { get; init; }
        public required RedisSignOnGuard Guard { get; init; }
        public required RedisReplayWindow Replays { get; init; }
        public required FakePools Pools { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }

    private async Task<Replica> ReplicaAsync(int max = 100, TimeSpan? staleness = null, params byte[][] keys)
    {
        var ring = SessionKeyRing.FromKeys(keys.Length > 0 ? keys : [s_sessionKey]);
        var backend = await RedisSessionBackend.ConnectAsync(_redis.Configuration, "t:", ring, NullLogger.Instance);
        var pools = new FakePools();
        var store = new RedisTokenStore(backend, new SessionSealer(ring), pools, max, staleness ?? TimeSpan.FromSeconds(5),
            TimeSpan.FromSeconds(30), _time, NullLogger.Instance);
        await store.StartAsync();
        var replica = new Replica
        {
            Backend = backend, Store = store, Pools = pools,
            Guard = new RedisSignOnGuard(backend, 2, TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(60)),
            Replays = new RedisReplayWindow(backend, TimeSpan.FromMinutes(15)),
        };
        _replicas.Add(replica);
        return replica;
    }

    private async Task<string> IssueAsync(Replica replica, string user = "ALICE", string password = "alice123", TimeSpan? lifetime = null)
    {
        var slot = await replica.Store.TryReserveAsync(default);
        Assert.True(slot.IsGranted);
        var now = _time.GetUtcNow();
        var session = new AuthSession(user, "127.0.0.1", new FakePool(user), now, now + (lifetime ?? TimeSpan.FromHours(1))) { ClientAddress = "127.0.0.9" };
        using var request = new SignOnRequest(user, Encoding.UTF8.GetBytes(password), "127.0.0.1", null, 1, 4) { KeyId = "rsa-1" };
        return await replica.Store.IssueAsync(slot, session, request, default);
    }

    private static async Task<TokenResolution> LookupAsync(Replica replica, string token)
    {
        var fast = replica.Store.TryGet(token, out var session);
        return fast == TokenLookup.Pending ? await replica.Store.ResolveAsync(token, default) : new TokenResolution(fast, session);
    }

    [Fact]
    public async Task A_token_issued_on_one_replica_is_served_by_another_with_the_same_identity()
    {
        var a = await ReplicaAsync();
        var b = await ReplicaAsync();
        var token = await IssueAsync(a);

        Assert.Equal(TokenLookup.Pending, b.Store.TryGet(token, out _));   // never seen here: ask Redis
        var resolved = await b.Store.ResolveAsync(token, default);
        Assert.Equal(TokenLookup.Valid, resolved.Lookup);
        Assert.Equal("ALICE", resolved.Session!.User);
        Assert.Equal("127.0.0.9", resolved.Session.ClientAddress);
        var (_, password, record) = Assert.Single(b.Pools.Adopted);
        Assert.Equal("alice123", password);
        Assert.Equal((4, 8076), (record.PoolMax, record.Port));
        // Same non-secret session id on both replicas, so audit lines correlate.
        Assert.Equal(a.Store.TryGet(token, out var onA) == TokenLookup.Valid ? onA!.SessionId : null, resolved.Session.SessionId);
        // Now cached on B: no Redis round trip for the next request.
        Assert.Equal(TokenLookup.Valid, b.Store.TryGet(token, out var cached));
        Assert.Same(resolved.Session, cached);
    }

    [Fact]
    public async Task A_restarted_replica_serves_the_same_token()
    {
        var a = await ReplicaAsync();
        var token = await IssueAsync(a);
        await a.Store.DisposeAsync();   // shutdown closes local pools but keeps the record
        var restarted = await ReplicaAsync();
        Assert.Equal(TokenLookup.Valid, (await LookupAsync(restarted, token)).Lookup);
    }

    [Fact]
    public async Task Revocation_on_one_replica_reaches_the_others_through_the_channel()
    {
        var a = await ReplicaAsync();
        var b = await ReplicaAsync(staleness: TimeSpan.FromHours(1));   // only the channel can make B forget
        var token = await IssueAsync(a);
        Assert.Equal(TokenLookup.Valid, (await LookupAsync(b, token)).Lookup);
        var pool = b.Pools.Adopted.Single().Pool;

        Assert.True(await a.Store.RevokeAsync(token));
        await Eventually(() => b.Store.Table.Count == 0);
        Assert.True(pool.Disposed);
        Assert.Equal(TokenLookup.NotFound, (await LookupAsync(b, token)).Lookup);
        Assert.Equal(TokenLookup.NotFound, (await LookupAsync(a, token)).Lookup);
        Assert.False(await b.Store.RevokeAsync(token));
    }

    [Fact]
    public async Task A_replica_that_missed_the_revocation_drops_the_token_at_the_staleness_bound()
    {
        var a = await ReplicaAsync();
        var b = await ReplicaAsync(staleness: TimeSpan.FromSeconds(5));
        var token = await IssueAsync(a);
        Assert.Equal(TokenLookup.Valid, (await LookupAsync(b, token)).Lookup);
        // Deleted behind everyone's back (as a lost pub/sub message would leave it).
        var admin = await _redis.AdminAsync();
        await admin.KeyDeleteAsync("t:s:" + RedisTokenStore_StoreKeyOf(token));
        Assert.Equal(TokenLookup.Valid, b.Store.TryGet(token, out _));
        _time.Advance(TimeSpan.FromSeconds(5) + TimeSpan.FromTicks(1));
        Assert.Equal(TokenLookup.Pending, b.Store.TryGet(token, out _));
        Assert.Equal(TokenLookup.NotFound, (await b.Store.ResolveAsync(token, default)).Lookup);
        Assert.Equal(0, b.Store.Table.Count);
    }

    [Fact]
    public async Task The_session_cap_holds_across_replicas_under_concurrent_sign_ons()
    {
        var replicas = new[] { await ReplicaAsync(max: 7), await ReplicaAsync(max: 7), await ReplicaAsync(max: 7) };
        var slots = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(async () => await replicas[i % 3].Store.TryReserveAsync(default))));
        Assert.Equal(7, slots.Count(s => s.IsGranted));
        // Releasing one frees exactly one, for whichever replica asks next.
        await replicas[0].Store.ReleaseAsync(slots.First(s => s.IsGranted));
        Assert.True((await replicas[2].Store.TryReserveAsync(default)).IsGranted);
        Assert.False((await replicas[1].Store.TryReserveAsync(default)).IsGranted);
    }

    [Fact]
    public async Task Issued_sessions_count_against_the_cap_until_they_expire_or_are_revoked()
    {
        var a = await ReplicaAsync(max: 2);
        var b = await ReplicaAsync(max: 2);
        var t1 = await IssueAsync(a);
        await IssueAsync(b, "BOB", "bob12345");
        Assert.False((await a.Store.TryReserveAsync(default)).IsGranted);
        var next = await b.Store.TimeUntilNextExpiryAsync();
        Assert.InRange(next!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
        Assert.True(await b.Store.RevokeAsync(t1));
        Assert.True((await a.Store.TryReserveAsync(default)).IsGranted);
    }

    [Fact]
    public async Task The_sign_on_guard_counts_failures_from_every_replica()
    {
        var a = await ReplicaAsync();
        var b = await ReplicaAsync();
        var first = await a.Guard.TryBeginAsync("bob", "127.0.0.1", "127.0.0.5", default);
        Assert.True(first.Admitted);
        // While one guess is in flight on A, B admits a second (limit 2) but not a third anywhere.
        var second = await b.Guard.TryBeginAsync("BOB", "127.0.0.1", "127.0.0.6", default);
        Assert.True(second.Admitted);
        Assert.False((await a.Guard.TryBeginAsync("bob", "127.0.0.1", "127.0.0.7", default)).Admitted);
        await a.Guard.EndAsync(first, SignOnOutcome.Rejected);
        await b.Guard.EndAsync(second, SignOnOutcome.Rejected);
        var locked = await b.Guard.TryBeginAsync("bob", "127.0.0.1", "127.0.0.8", default);
        Assert.False(locked.Admitted);
        Assert.InRange(locked.RetryAfterSeconds, 890, 900);
        // Other users are not affected.
        Assert.True((await a.Guard.TryBeginAsync("alice", "127.0.0.1", "127.0.0.8", default)).Admitted);
    }

    [Fact]
    public async Task A_success_resets_the_users_count_and_inconclusive_attempts_do_not_count()
    {
        var a = await ReplicaAsync();
        var g1 = await a.Guard.TryBeginAsync("carol", "h", "127.0.0.5", default);
        await a.Guard.EndAsync(g1, SignOnOutcome.Rejected);
        var g2 = await a.Guard.TryBeginAsync("carol", "h", "127.0.0.6", default);
        await a.Guard.EndAsync(g2, SignOnOutcome.Succeeded);
        for (int i = 0; i < 5; i++)
        {
            var g = await a.Guard.TryBeginAsync("carol", "h", "127.0.0.6", default);
            Assert.True(g.Admitted);
            await a.Guard.EndAsync(g, SignOnOutcome.Inconclusive);
        }
        var g3 = await a.Guard.TryBeginAsync("carol", "h", "127.0.0.7", default);
        await a.Guard.EndAsync(g3, SignOnOutcome.Rejected);
        Assert.True((await a.Guard.TryBeginAsync("carol", "h", "127.0.0.8", default)).Admitted);
    }

    [Fact]
    public async Task An_envelope_remembered_by_one_replica_is_a_replay_on_another()
    {
        var a = await ReplicaAsync();
        var b = await ReplicaAsync();
        var fp = new EnvelopeFingerprint(42, 43);
        Assert.Equal(ReplayCheck.New, await a.Replays.TryRememberAsync(fp, default));
        Assert.Equal(ReplayCheck.Replayed, await b.Replays.TryRememberAsync(fp, default));
        Assert.Equal(ReplayCheck.New, await b.Replays.TryRememberAsync(new EnvelopeFingerprint(42, 44), default));
    }

    [Fact]
    public async Task Redis_down_is_a_store_failure_cached_tokens_last_until_the_bound_and_everything_heals_by_itself()
    {
        var a = await ReplicaAsync(staleness: TimeSpan.FromSeconds(5));
        var token = await IssueAsync(a);
        await _redis.StopAsync();

        await Assert.ThrowsAsync<SessionStoreUnavailableException>(async () => await a.Store.TryReserveAsync(default));
        await Assert.ThrowsAsync<SessionStoreUnavailableException>(async () => await a.Guard.TryBeginAsync("alice", "h", null, default));
        Assert.Equal(TokenLookup.Valid, a.Store.TryGet(token, out _));     // within the staleness bound
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(TokenLookup.StoreUnavailable, (await LookupAsync(a, token)).Lookup);

        await _redis.StartAsync();   // no persistence: the record is gone, as after a Redis restart
        await Eventually(() => a.Backend.IsConnected);
        Assert.True((await a.Store.TryReserveAsync(default)).IsGranted);
        Assert.Equal(TokenLookup.NotFound, (await LookupAsync(a, token)).Lookup);
        var fresh = await IssueAsync(a);
        var b = await ReplicaAsync();
        Assert.Equal(TokenLookup.Valid, (await LookupAsync(b, fresh)).Lookup);
    }

    [Fact]
    public async Task With_AOF_persistence_sessions_survive_a_Redis_crash_and_restart()
    {
        await using var persistent = await RedisServer.StartAsync(persistent: true);
        var ring = SessionKeyRing.FromKeys(s_sessionKey);
        await using var backend = await RedisSessionBackend.ConnectAsync(persistent.Configuration, "t:", ring, NullLogger.Instance);
        await using var store = new RedisTokenStore(backend, new SessionSealer(ring), new FakePools(), 10, TimeSpan.Zero, TimeSpan.FromSeconds(30), _time, NullLogger.Instance);
        var slot = await store.TryReserveAsync(default);
        var now = _time.GetUtcNow();
        using var request = new SignOnRequest("ALICE", Encoding.UTF8.GetBytes("alice123"), "127.0.0.1", null, 1, 2);
        var token = await store.IssueAsync(slot, new AuthSession("ALICE", "127.0.0.1", new FakePool("ALICE"), now, now.AddHours(1)), request, default);
        await Task.Delay(1500);          // appendfsync everysec: at most the last second can be lost
        await persistent.StopAsync();    // SIGKILL, no clean shutdown
        await persistent.StartAsync();
        await Eventually(() => backend.IsConnected, 15000);
        Assert.Equal(TokenLookup.Valid, (await store.ResolveAsync(token, default)).Lookup);
    }

    [Fact]
    public async Task After_a_session_key_rotation_older_records_still_open_and_new_ones_use_the_new_key()
    {
        var newKey = RandomNumberGenerator.GetBytes(32);
        var before = await ReplicaAsync();
        var oldToken = await IssueAsync(before);
        var rotated = await ReplicaAsync(100, null, newKey, s_sessionKey);
        Assert.Equal(TokenLookup.Valid, (await LookupAsync(rotated, oldToken)).Lookup);
        var newToken = await IssueAsync(rotated, "BOB", "bob12345");
        var record = (string)(await (await _redis.AdminAsync()).StringGetAsync("t:s:" + RedisTokenStore_StoreKeyOf(newToken)))!;
        Assert.StartsWith("v1." + SessionKeyRing.IdOf(newKey) + ".", record);
        // A replica that never had the new key cannot open it: the token is unknown there, not an error.
        Assert.Equal(TokenLookup.NotFound, (await LookupAsync(before, newToken)).Lookup);
    }

    [Fact]
    public async Task Nothing_in_Redis_reveals_the_password_the_token_or_the_user()
    {
        var a = await ReplicaAsync();
        const string password = "S3cret-Pässword!";
        var token = await IssueAsync(a, "ALICE", password);
        await a.Guard.EndAsync(await a.Guard.TryBeginAsync("ALICE", "127.0.0.1", "127.0.0.9", default), SignOnOutcome.Rejected);
        await a.Replays.TryRememberAsync(new EnvelopeFingerprint(1, 2), default);

        var dump = await RedisDump.ReadAllAsync(_redis);
        Assert.NotEmpty(dump);
        RedisDump.AssertNothingRevealed(dump, password, token, ["ALICE", "alice", "127.0.0.9"]);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("base64")]
    [InlineData("hash")]
    public async Task The_scan_would_find_a_password_a_careless_store_kept(string how)
    {
        const string password = "S3cret-Pässword!";
        var bytes = Encoding.UTF8.GetBytes(password);
        var admin = await _redis.AdminAsync();
        if (how == "hash") await admin.HashSetAsync("t:h", "pw", password);
        else if (how == "plain") await admin.StringSetAsync("t:leak", "{\"pw\":\"S3cret-P\\u00e4ssword!\"}");
        else await admin.StringSetAsync("t:leak", "v1.x." + Convert.ToBase64String([1, .. bytes, 2]));
        var dump = await RedisDump.ReadAllAsync(_redis);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => RedisDump.AssertNothingRevealed(dump, password, new string('A', 43), []));
    }

    private static string RedisTokenStore_StoreKeyOf(string token)
    {
        var raw = new byte[32];
        Assert.True(SessionTable.TryDecode(token, raw));
        return RedisSessionBackend.StoreKeyOf(raw);
    }

    internal static async Task Eventually(Func<bool> condition, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("condition not met in time");
            await Task.Delay(10);
        }
    }
}
