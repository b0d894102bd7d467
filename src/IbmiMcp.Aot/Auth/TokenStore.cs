using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth;

/// <summary>
/// In-memory <see cref="ITokenStore"/>. Tokens are 32 random bytes in base64url (43 characters); only their one-way
/// image (<see cref="TokenKey"/>, by <see cref="TokenHasher"/>) is kept, so a dump of this table yields no usable token.
/// Lookup is a base64url decode, 20 AES rounds and one dictionary probe, with nothing allocated. The session limit is a counter of live sessions plus reservations, moved with compare-and-swap,
/// so concurrent sign-ons can never exceed it (the reference checks the map size, then inserts: spec §2.3).
/// </summary>
internal sealed class TokenStore : ITokenStore
{
    public const int TokenBytes = 32;
    public const int TokenChars = 43; // base64url of 32 bytes, unpadded

    private readonly ConcurrentDictionary<TokenKey, AuthSession> _sessions = new();
    private readonly TokenHasher _hasher;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly int _maxSessions;
    private readonly Observability.Telemetry _telemetry;
    private int _slots;

    public TokenStore(int maxSessions, TimeProvider time, ILogger log, Observability.Telemetry? telemetry = null,
        TokenHasher? hasher = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
        _maxSessions = maxSessions; _time = time; _log = log; _telemetry = telemetry ?? Observability.Telemetry.Off;
        _hasher = hasher ?? TokenHasher.CreateRandom();
    }

    public int Count => Volatile.Read(ref _slots);

    public bool TryReserve()
    {
        // CAS instead of Increment-then-check: a failed attempt must never make the count overshoot, even briefly,
        // or a concurrent reserve could be refused while a slot is actually free.
        int current = Volatile.Read(ref _slots);
        while (current < _maxSessions)
        {
            int seen = Interlocked.CompareExchange(ref _slots, current + 1, current);
            if (seen == current) return true;
            current = seen;
        }
        return false;
    }

    public void Unreserve() => Interlocked.Decrement(ref _slots);

    public string Issue(AuthSession session)
    {
        Span<byte> raw = stackalloc byte[TokenBytes];
        while (true)
        {
            RandomNumberGenerator.Fill(raw);
            var key = _hasher.Hash(raw);
            session.SessionId = key.ToSessionId();
            // A collision of 256-bit random values does not happen; the loop only keeps TryAdd honest.
            if (_sessions.TryAdd(key, session))
            {
                var token = Base64Url.EncodeToString(raw);
                CryptographicOperations.ZeroMemory(raw);
                return token;
            }
        }
    }

    public TokenLookup TryGet(ReadOnlySpan<char> token, out AuthSession? session)
    {
        session = null;
        if (!TryKeyOf(token, out var key))
            return TokenLookup.Malformed;
        if (!_sessions.TryGetValue(key, out var found))
            return TokenLookup.NotFound;
        if (found.IsExpired(_time.GetUtcNow()))
        {
            if (Remove(key, found))
            {
                _telemetry.TokenExpired(found.User, found.SessionId);
                CloseInBackground(found);
            }
            return TokenLookup.Expired;
        }
        session = found;
        return TokenLookup.Valid;
    }

    public ValueTask<bool> RevokeAsync(ReadOnlySpan<char> token)
    {
        if (!TryKeyOf(token, out var key) || !_sessions.TryGetValue(key, out var found))
            return new(false);
        bool wasLive = !found.IsExpired(_time.GetUtcNow());
        if (!Remove(key, found))
            return new(false);
        return CloseAsync(found, wasLive);

        static async ValueTask<bool> CloseAsync(AuthSession s, bool result)
        {
            await s.CloseAsync().ConfigureAwait(false);
            return result;
        }
    }

    public async ValueTask<int> RemoveExpiredAsync()
    {
        var now = _time.GetUtcNow();
        List<AuthSession>? expired = null;
        foreach (var pair in _sessions)
            if (pair.Value.IsExpired(now) && Remove(pair.Key, pair.Value))
                (expired ??= []).Add(pair.Value);
        if (expired is null) return 0;
        foreach (var s in expired)
        {
            _telemetry.TokenExpired(s.User, s.SessionId);
            await CloseLoggedAsync(s).ConfigureAwait(false);
        }
        return expired.Count;
    }

    public TimeSpan? TimeUntilNextExpiry()
    {
        DateTimeOffset? earliest = null;
        foreach (var pair in _sessions)
            if (earliest is null || pair.Value.ExpiresAt < earliest) earliest = pair.Value.ExpiresAt;
        if (earliest is null) return null;
        var left = earliest.Value - _time.GetUtcNow();
        return left < TimeSpan.Zero ? TimeSpan.Zero : left;
    }

    public async ValueTask DisposeAsync()
    {
        var all = new List<AuthSession>();
        foreach (var pair in _sessions)
            if (Remove(pair.Key, pair.Value)) all.Add(pair.Value);
        var closing = new Task[all.Count];
        for (int i = 0; i < all.Count; i++) closing[i] = CloseLoggedAsync(all[i]).AsTask();
        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    /// <summary>Maps a presented token to its key; false unless it is exactly 43 base64url characters.</summary>
    internal bool TryKeyOf(ReadOnlySpan<char> token, out TokenKey key)
    {
        key = default;
        if (token.Length != TokenChars) return false;
        Span<byte> raw = stackalloc byte[TokenBytes];
        if (Base64Url.DecodeFromChars(token, raw, out _, out int written) != System.Buffers.OperationStatus.Done || written != TokenBytes)
            return false;
        key = _hasher.Hash(raw);
        // The decoded token is a live credential; leave no copy of it on the stack.
        CryptographicOperations.ZeroMemory(raw);
        return true;
    }

    // Only the caller that actually removes the entry gives its slot back, so racing removals (reaper, expiry at use,
    // revoke) release each slot exactly once.
    private bool Remove(TokenKey key, AuthSession session)
    {
        if (!_sessions.TryRemove(new KeyValuePair<TokenKey, AuthSession>(key, session)))
            return false;
        Interlocked.Decrement(ref _slots);
        return true;
    }

    private void CloseInBackground(AuthSession session) => _ = CloseLoggedAsync(session).AsTask();

    private async ValueTask CloseLoggedAsync(AuthSession session)
    {
        try
        {
            await session.CloseAsync().ConfigureAwait(false);
            AuthLog.SessionClosed(_log, session.SessionId, session.User);
        }
        catch (Exception ex)
        {
            AuthLog.SessionCloseFailed(_log, session.SessionId, ex);
        }
    }
}
