using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// IBMI_AUTH_SESSION_STORE=redis: sessions are sealed records in Redis/Valkey, so any replica serves any token and a
/// restart logs nobody out. Each replica keeps the sessions it serves in its own <see cref="SessionTable"/> with its
/// own (lazily opened) pool, and trusts a cached entry for <see cref="Staleness"/> before asking Redis again; a
/// revocation published by any replica drops the entry at once. The session cap is one sorted set updated by Lua, so
/// concurrent sign-ons on several replicas can never exceed it.
/// </summary>
internal sealed class RedisTokenStore : ITokenStore
{
    // Reserve a slot: expired members out, refuse at the cap (with the time until the earliest expiry), else add the
    // reservation with its own short lifetime so a replica that dies mid sign-on cannot leak it. Redis's clock decides.
    private const string ReserveScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
          local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          return {0, tonumber(first[2]) - now}
        end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
        return {1, 0}
        """;

    // Issue: the reservation becomes the session (same slot), the record is stored with its TTL.
    private const string IssueScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[2])
        return 1
        """;

    // Revoke: record and slot out, and every replica told; returns whether the record existed.
    private const string RevokeScript = """
        local existed = redis.call('DEL', KEYS[2])
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('PUBLISH', ARGV[2], ARGV[1])
        return existed
        """;

    private readonly RedisSessionBackend _redis;
    private readonly SessionTable _table;
    private readonly SessionSealer _sealer;
    private readonly ISessionPoolFactory _pools;
    private readonly int _maxSessions;
    private readonly TimeSpan _reservationLifetime;
    private readonly long _stalenessTicks;
    private readonly ILogger _log;
    private readonly Observability.Telemetry _telemetry;

    public RedisTokenStore(RedisSessionBackend redis, SessionSealer sealer, ISessionPoolFactory pools, int maxSessions, TimeSpan staleness,
        TimeSpan signOnTimeout, TimeProvider time, ILogger log, Observability.Telemetry? telemetry = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
        _redis = redis; _sealer = sealer; _pools = pools; _maxSessions = maxSessions; _log = log;
        _telemetry = telemetry ?? Observability.Telemetry.Off;
        Staleness = staleness;
        _stalenessTicks = (long)(staleness.TotalSeconds * time.TimestampFrequency);
        // A sign-on holds its reservation at most for the sign-on deadline; the margin covers the round trips around it.
        _reservationLifetime = signOnTimeout + TimeSpan.FromSeconds(30);
        _table = new SessionTable(time, log, telemetry);
    }

    public string Kind => "redis";

    public int Count => _table.Count;

    /// <summary>How long a cached session is served without asking Redis (IBMI_AUTH_SESSION_CACHE_SECONDS).</summary>
    public TimeSpan Staleness { get; }

    internal SessionTable Table => _table;

    /// <summary>Subscribes to revocations published by every replica (this one included).</summary>
    public async Task StartAsync()
    {
        try
        {
            await _redis.Subscriber.SubscribeAsync(_redis.RevocationChannel, (channel, message) =>
            {
                var storeKey = (string?)message;
                if (storeKey is not null) _ = DropRevokedAsync(storeKey);
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            // StackExchange.Redis re-subscribes on reconnect; until then the staleness bound stands in for the channel.
            AuthLog.StoreUnavailable(_log, "subscribe", ex.GetType().Name, ex.Message);
        }
    }

    private async Task DropRevokedAsync(string storeKey)
    {
        if (await _table.RemoveByStoreKeyAsync(storeKey).ConfigureAwait(false))
            AuthLog.RevokedElsewhere(_log, SessionIdOf(storeKey));
    }

    public async ValueTask<SessionSlot> TryReserveAsync(CancellationToken cancellationToken)
    {
        var member = "r:" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));
        var result = await _redis.EvaluateAsync(ReserveScript, [_redis.SessionsKey],
            [_maxSessions, member, (long)_reservationLifetime.TotalMilliseconds], "reserve").ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        return (int)parts[0] == 1 ? new SessionSlot(true, member) : SessionSlot.Refused;
    }

    public async ValueTask ReleaseAsync(SessionSlot slot)
    {
        if (!slot.IsGranted || slot.Member is null) return;
        try
        {
            await _redis.RunAsync(_redis.Database.SortedSetRemoveAsync(_redis.SessionsKey, slot.Member), "release").ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException)
        {
            // The reservation's own expiry frees the slot.
        }
    }

    public async ValueTask<string> IssueAsync(SessionSlot slot, AuthSession session, SignOnRequest request, CancellationToken cancellationToken)
    {
        var raw = new byte[SessionTable.TokenBytes];
        try
        {
            RandomNumberGenerator.Fill(raw);
            var storeKey = RedisSessionBackend.StoreKeyOf(raw);
            var record = new SessionRecord
            {
                User = session.User, Host = session.Host, Port = _pools.MapepirePort, PoolMax = request.PoolMax,
                CreatedAt = session.CreatedAt, ExpiresAt = session.ExpiresAt, ClientAddress = session.ClientAddress, EnvelopeKeyId = request.KeyId,
                Groups = session.Profile.Groups, SpecialAuthorities = session.Profile.SpecialAuthorities, ProfileComplete = session.Profile.Complete,
            };
            string sealedRecord;
            var plaintext = record.Serialize(request.Password);
            try { sealedRecord = _sealer.Seal(raw, plaintext); }
            finally { CryptographicOperations.ZeroMemory(plaintext); }

            var ttl = (long)Math.Ceiling((session.ExpiresAt - _table.Time.GetUtcNow()).TotalMilliseconds);
            await _redis.EvaluateAsync(IssueScript, [_redis.SessionsKey, _redis.RecordKey(storeKey)],
                [slot.Member ?? "", storeKey, sealedRecord, Math.Max(1, ttl)], "issue").ConfigureAwait(false);

            session.StoreKey = storeKey;
            session.SessionId = SessionIdOf(storeKey);
            session.ValidatedAt = _table.Time.GetTimestamp();
            _table.TryAdd(_table.KeyOf(raw), session);
            return Base64Url.EncodeToString(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    public TokenLookup TryGet(ReadOnlySpan<char> token, out AuthSession? session)
    {
        session = null;
        if (!_table.TryKeyOf(token, out var key))
            return TokenLookup.Malformed;
        var lookup = _table.TryGet(key, out var found);
        if (lookup != TokenLookup.Valid)
            return lookup == TokenLookup.NotFound ? TokenLookup.Pending : lookup;
        if (_table.Time.GetTimestamp() - found!.ValidatedAt > _stalenessTicks)
            return TokenLookup.Pending;
        session = found;
        return TokenLookup.Valid;
    }

    public async ValueTask<TokenResolution> ResolveAsync(string token, CancellationToken cancellationToken)
    {
        var raw = new byte[SessionTable.TokenBytes];
        try
        {
            if (!SessionTable.TryDecode(token, raw))
                return new(TokenLookup.Malformed, null);
            var key = _table.KeyOf(raw);
            var lookup = _table.TryGet(key, out var cached);
            if (lookup == TokenLookup.Expired)
                return new(lookup, null);
            if (lookup == TokenLookup.Valid)
                return await RevalidateAsync(key, cached!).ConfigureAwait(false);
            return await AdoptAsync(key, raw).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>A cached session past the staleness bound: does Redis still have it?</summary>
    private async ValueTask<TokenResolution> RevalidateAsync(TokenKey key, AuthSession cached)
    {
        var now = _table.Time.GetTimestamp();
        if (now - cached.ValidatedAt <= _stalenessTicks)
            return new(TokenLookup.Valid, cached);   // another request revalidated it meanwhile
        bool exists;
        try
        {
            exists = await _redis.RunAsync(_redis.Database.KeyExistsAsync(_redis.RecordKey(cached.StoreKey!)), "revalidate").ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException)
        {
            return new(TokenLookup.StoreUnavailable, null);
        }
        if (exists)
        {
            cached.ValidatedAt = now;
            return new(TokenLookup.Valid, cached);
        }
        // Gone from Redis (revoked while this replica missed the message, expired, or Redis lost it): gone here too.
        if (_table.TryRemove(key, cached))
            await _table.CloseLoggedAsync(cached).ConfigureAwait(false);
        return new(TokenLookup.NotFound, null);
    }

    /// <summary>A token this replica has never served: read and open its record, and give it a lazily opened pool here.</summary>
    private async ValueTask<TokenResolution> AdoptAsync(TokenKey key, byte[] raw)
    {
        var storeKey = RedisSessionBackend.StoreKeyOf(raw);
        RedisValue value;
        try
        {
            value = await _redis.RunAsync(_redis.Database.StringGetAsync(_redis.RecordKey(storeKey)), "lookup").ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException)
        {
            return new(TokenLookup.StoreUnavailable, null);
        }
        if (value.IsNull)
            return new(TokenLookup.NotFound, null);

        var sessionId = SessionIdOf(storeKey);
        var opened = _sealer.TryUnseal((string)value!, raw, out var plaintext);
        if (opened != UnsealResult.Opened)
        {
            AuthLog.RecordUnreadable(_log, sessionId, opened.ToString());
            return new(TokenLookup.NotFound, null);
        }
        SessionRecord? record;
        byte[]? password;
        try
        {
            if (!SessionRecord.TryParse(plaintext, out record, out password))
            {
                AuthLog.RecordUnreadable(_log, sessionId, "unparsable");
                return new(TokenLookup.NotFound, null);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext!);
        }

        ISessionPool pool;
        try
        {
            if (record!.ExpiresAt <= _table.Time.GetUtcNow())
                return new(TokenLookup.Expired, null);
            pool = _pools.Adopt(record, password!);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password!);
        }
        var session = new AuthSession(record.User, record.Host, pool, record.CreatedAt, record.ExpiresAt)
        {
            ClientAddress = record.ClientAddress, SessionId = sessionId, StoreKey = storeKey, ValidatedAt = _table.Time.GetTimestamp(),
            // The groups were read on the replica that signed the user on; the record carries them (sealed).
            Profile = CallerProfile.ForIbmiUser(record.User, null, record.Groups, record.SpecialAuthorities, record.ProfileComplete),
        };
        if (!_table.TryAdd(key, session))
        {
            // Another request adopted it first; its pool is the one to keep (ours never opened a connection).
            await pool.DisposeAsync().ConfigureAwait(false);
            var lookup = _table.TryGet(key, out var winner);
            return new(lookup == TokenLookup.NotFound ? TokenLookup.Pending : lookup, winner);
        }
        AuthLog.SessionAdopted(_log, sessionId, record.User, record.ClientAddress, record.CreatedAt);
        return new(TokenLookup.Valid, session);
    }

    public async ValueTask<bool> RevokeAsync(string token)
    {
        var raw = new byte[SessionTable.TokenBytes];
        try
        {
            if (!SessionTable.TryDecode(token, raw)) return false;
            var storeKey = RedisSessionBackend.StoreKeyOf(raw);
            var key = _table.KeyOf(raw);
            var existed = (long)(await _redis.EvaluateAsync(RevokeScript, [_redis.SessionsKey, _redis.RecordKey(storeKey)],
                [storeKey, _redis.RevocationChannelName], "revoke").ConfigureAwait(false));
            // Our own subscription drops it too; do it now so the answer to DELETE is already true here.
            bool local = _table.TryGet(key, out var session) == TokenLookup.Valid && _table.TryRemove(key, session!);
            if (local) await _table.CloseLoggedAsync(session!).ConfigureAwait(false);
            return existed > 0 || local;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    public ValueTask<int> RemoveExpiredAsync() => _table.RemoveExpiredAsync();

    public async ValueTask<TimeSpan?> TimeUntilNextExpiryAsync()
    {
        var first = await _redis.RunAsync(_redis.Database.SortedSetRangeByRankWithScoresAsync(_redis.SessionsKey, 0, 0), "next expiry").ConfigureAwait(false);
        if (first.Length == 0) return null;
        var left = DateTimeOffset.FromUnixTimeMilliseconds((long)first[0].Score) - _table.Time.GetUtcNow();
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    /// <summary>Live sessions and reservations across every replica (for /healthz).</summary>
    public async Task<long> CountAllAsync()
    {
        var now = _table.Time.GetUtcNow().ToUnixTimeMilliseconds();
        return await _redis.RunAsync(_redis.Database.SortedSetLengthAsync(_redis.SessionsKey, now, double.PositiveInfinity), "count").ConfigureAwait(false);
    }

    /// <summary>Closes this replica's pools; the records stay in Redis, so the tokens keep working on the next start.</summary>
    public async ValueTask DisposeAsync()
    {
        try { await _redis.Subscriber.UnsubscribeAsync(_redis.RevocationChannel).ConfigureAwait(false); }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException) { }
        await _table.ClearAsync().ConfigureAwait(false);
    }

    /// <summary>The same short, non-secret handle on every replica: the start of the record key.</summary>
    internal static string SessionIdOf(string storeKey) => storeKey[..12];
}
