using IbmiMcp.Auth;
using IbmiMcp.Auth.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Auth;

public sealed class MemoryTokenStoreTests
{
    private readonly FakeTime _time = new();

    private MemoryTokenStore Store(int max = 10) => new(max, _time, NullLogger.Instance);

    private AuthSession Session(FakePool pool, TimeSpan lifetime)
        => new(pool.User, "h", pool, _time.GetUtcNow(), _time.GetUtcNow() + lifetime);

    private static string Issue(MemoryTokenStore store, AuthSession session)
    {
        Assert.True(store.TryReserve());
        return store.Issue(session);
    }

    [Fact]
    public void Tokens_are_43_base64url_characters_of_fresh_randomness()
    {
        var store = Store();
        var a = Issue(store, Session(new FakePool("A"), TimeSpan.FromHours(1)));
        var b = Issue(store, Session(new FakePool("B"), TimeSpan.FromHours(1)));
        Assert.Equal(43, a.Length);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Lookup_finds_the_session_and_distinguishes_unknown_from_malformed()
    {
        var store = Store();
        var pool = new FakePool("ALICE");
        var token = Issue(store, Session(pool, TimeSpan.FromHours(1)));
        Assert.Equal(TokenLookup.Valid, store.TryGet(token, out var session));
        Assert.Same(pool, session!.Pool);
        Assert.Equal(TokenLookup.NotFound, store.TryGet(new string('A', 43), out _));
        Assert.Equal(TokenLookup.Malformed, store.TryGet(token + "x", out _));
        Assert.Equal(TokenLookup.Malformed, store.TryGet(token[..42] + "!", out _));
        Assert.Equal(TokenLookup.Malformed, store.TryGet("", out _));
    }

    [Fact]
    public void Expiry_is_exact_at_the_instant_and_closes_the_pool()
    {
        var store = Store();
        var pool = new FakePool("ALICE");
        var token = Issue(store, Session(pool, TimeSpan.FromSeconds(60)));
        _time.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        Assert.Equal(TokenLookup.Valid, store.TryGet(token, out _));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(TokenLookup.Expired, store.TryGet(token, out _));
        Assert.True(pool.Disposed);
        Assert.Equal(0, store.Count);
        Assert.Equal(TokenLookup.NotFound, store.TryGet(token, out _));
    }

    [Fact]
    public async Task Remove_expired_closes_only_expired_pools_and_frees_their_slots()
    {
        var store = Store(max: 2);
        var shortPool = new FakePool("A");
        var longPool = new FakePool("B");
        Issue(store, Session(shortPool, TimeSpan.FromSeconds(10)));
        var keep = Issue(store, Session(longPool, TimeSpan.FromSeconds(100)));
        Assert.False(store.TryReserve());
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, await store.TimeUntilNextExpiryAsync());
        Assert.Equal(1, await store.RemoveExpiredAsync());
        Assert.True(shortPool.Disposed);
        Assert.False(longPool.Disposed);
        Assert.Equal(TokenLookup.Valid, store.TryGet(keep, out _));
        Assert.Equal(TimeSpan.FromSeconds(90), await store.TimeUntilNextExpiryAsync());
        Assert.True(store.TryReserve());
    }

    [Fact]
    public async Task Revoke_closes_the_pool_before_returning()
    {
        var store = Store();
        var pool = new FakePool("A");
        var token = Issue(store, Session(pool, TimeSpan.FromHours(1)));
        Assert.True(await store.RevokeAsync(token));
        Assert.True(pool.Disposed);
        Assert.False(await store.RevokeAsync(token));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Reservations_never_exceed_the_maximum_under_contention()
    {
        var store = Store(max: 50);
        int granted = 0;
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            if (store.TryReserve()) Interlocked.Increment(ref granted);
        });
        Assert.Equal(50, granted);
        Assert.Equal(50, store.Count);
        await store.ReleaseAsync(new SessionSlot(true));
        Assert.True(store.TryReserve());
        Assert.False(store.TryReserve());
    }

    [Fact]
    public async Task Racing_removals_release_each_slot_and_close_each_pool_once()
    {
        var store = Store(max: 100);
        var pools = Enumerable.Range(0, 50).Select(i => new FakePool("U" + i)).ToArray();
        var tokens = pools.Select(p => Issue(store, Session(p, TimeSpan.FromSeconds(1)))).ToArray();
        _time.Advance(TimeSpan.FromSeconds(1));
        var reaper = Task.Run(async () => await store.RemoveExpiredAsync());
        var users = Task.Run(() => { foreach (var t in tokens) store.TryGet(t, out _); });
        var revokers = Task.Run(async () => { foreach (var t in tokens) await store.RevokeAsync(t); });
        await Task.WhenAll(reaper, users, revokers);
        Assert.Equal(0, store.Count);
        Assert.All(pools, p => Assert.Equal(1, p.DisposeCalls));
    }

    [Fact]
    public async Task Dispose_closes_every_pool()
    {
        var store = Store();
        var pools = new[] { new FakePool("A"), new FakePool("B") };
        foreach (var p in pools) Issue(store, Session(p, TimeSpan.FromHours(1)));
        await store.DisposeAsync();
        Assert.All(pools, p => Assert.True(p.Disposed));
    }
}
