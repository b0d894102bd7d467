using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// The sessions this replica serves, keyed by the token's one-way image (<see cref="TokenKey"/>, by a per-process
/// <see cref="TokenHasher"/>), so a dump of this table yields no usable token. Lookup is a base64url decode, 20 AES
/// rounds and one dictionary probe, with nothing allocated. Every removal (expiry at use, reaper, revoke, shutdown)
/// happens exactly once per entry and is reported to <see cref="Removed"/>, so a store can release the session's slot.
/// </summary>
internal sealed class SessionTable
{
    public const int TokenBytes = 32;
    public const int TokenChars = 43; // base64url of 32 bytes, unpadded

    private readonly ConcurrentDictionary<TokenKey, AuthSession> _sessions = new();
    private readonly TokenHasher _hasher;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Observability.Telemetry _telemetry;

    public SessionTable(TimeProvider time, ILogger log, Observability.Telemetry? telemetry = null, TokenHasher? hasher = null)
    {
        _time = time; _log = log; _telemetry = telemetry ?? Observability.Telemetry.Off;
        _hasher = hasher ?? TokenHasher.CreateRandom();
    }

    /// <summary>Called once for every entry that leaves the table, before its pool is closed.</summary>
    public Action<AuthSession>? Removed { get; init; }

    public int Count => _sessions.Count;

    public TimeProvider Time => _time;

    public TokenKey KeyOf(ReadOnlySpan<byte> token) => _hasher.Hash(token);

    /// <summary>Decodes a presented token into <paramref name="raw"/> (32 bytes); false unless it is exactly 43 base64url characters.</summary>
    public static bool TryDecode(ReadOnlySpan<char> token, Span<byte> raw)
    {
        if (token.Length != TokenChars) return false;
        return Base64Url.DecodeFromChars(token, raw, out _, out int written) == System.Buffers.OperationStatus.Done && written == TokenBytes;
    }

    /// <summary>Maps a presented token to its key; false unless it is exactly 43 base64url characters.</summary>
    public bool TryKeyOf(ReadOnlySpan<char> token, out TokenKey key)
    {
        key = default;
        Span<byte> raw = stackalloc byte[TokenBytes];
        try
        {
            if (!TryDecode(token, raw)) return false;
            key = _hasher.Hash(raw);
            return true;
        }
        finally
        {
            // The decoded token is a live credential; leave no copy of it on the stack.
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>Finds a live session. An expired one is removed here (its pool closed in the background): <see cref="TokenLookup.Expired"/>.</summary>
    public TokenLookup TryGet(in TokenKey key, out AuthSession? session)
    {
        session = null;
        if (!_sessions.TryGetValue(key, out var found))
            return TokenLookup.NotFound;
        if (found.IsExpired(_time.GetUtcNow()))
        {
            if (TryRemove(key, found))
            {
                _telemetry.TokenExpired(found.User, found.SessionId);
                _ = CloseLoggedAsync(found).AsTask();
            }
            return TokenLookup.Expired;
        }
        session = found;
        return TokenLookup.Valid;
    }

    public bool TryAdd(in TokenKey key, AuthSession session) => _sessions.TryAdd(key, session);

    /// <summary>Removes the entry if it is still <paramref name="session"/>; only the caller that removes it gets true.</summary>
    public bool TryRemove(in TokenKey key, AuthSession session)
    {
        if (!_sessions.TryRemove(new KeyValuePair<TokenKey, AuthSession>(key, session)))
            return false;
        Removed?.Invoke(session);
        return true;
    }

    /// <summary>Removes the session whose shared-store key is <paramref name="storeKey"/> and closes its pool (revocation from another replica).</summary>
    public async ValueTask<bool> RemoveByStoreKeyAsync(string storeKey)
    {
        // A scan, not a second index: revocations are rare, and an index would cost every session memory.
        foreach (var pair in _sessions)
        {
            if (!string.Equals(pair.Value.StoreKey, storeKey, StringComparison.Ordinal)) continue;
            if (!TryRemove(pair.Key, pair.Value)) return false;
            await CloseLoggedAsync(pair.Value).ConfigureAwait(false);
            return true;
        }
        return false;
    }

    /// <summary>Removes every expired session and closes its pool; returns how many.</summary>
    public async ValueTask<int> RemoveExpiredAsync()
    {
        var now = _time.GetUtcNow();
        List<AuthSession>? expired = null;
        foreach (var pair in _sessions)
            if (pair.Value.IsExpired(now) && TryRemove(pair.Key, pair.Value))
                (expired ??= []).Add(pair.Value);
        if (expired is null) return 0;
        foreach (var s in expired)
        {
            _telemetry.TokenExpired(s.User, s.SessionId);
            await CloseLoggedAsync(s).ConfigureAwait(false);
        }
        return expired.Count;
    }

    /// <summary>The earliest expiry among this replica's sessions, or null.</summary>
    public DateTimeOffset? EarliestExpiry()
    {
        DateTimeOffset? earliest = null;
        foreach (var pair in _sessions)
            if (earliest is null || pair.Value.ExpiresAt < earliest) earliest = pair.Value.ExpiresAt;
        return earliest;
    }

    /// <summary>Removes everything and closes every pool (shutdown).</summary>
    public async ValueTask ClearAsync()
    {
        var all = new List<AuthSession>();
        foreach (var pair in _sessions)
            if (TryRemove(pair.Key, pair.Value)) all.Add(pair.Value);
        var closing = new Task[all.Count];
        for (int i = 0; i < all.Count; i++) closing[i] = CloseLoggedAsync(all[i]).AsTask();
        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    public async ValueTask CloseLoggedAsync(AuthSession session)
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
