using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using IbmiMcp.Auth.Sessions;
using StackExchange.Redis;

namespace IbmiMcp.OAuth;

/// <summary>
/// One sign-in through the page, as refresh tokens carry it on: who, on which IBM i, for which client, until when, the
/// access token (session) it holds now, and the generation of the one refresh token still valid. The password stays
/// with the grant (sealed in a shared store) because a refresh is a new IBM i sign-on: IBM i, not this server, decides
/// whether the profile may still sign on. <see cref="Password"/> is shared by a grant's generations; the store zeroes
/// it when the grant ends.
/// </summary>
internal sealed record OAuthGrant(string GrantId, string User, string Host, string ClientId, string ClientName, DateTimeOffset Expires,
    int Generation, string Session, string SessionId, int? DurationSeconds, int PoolStart, int PoolMax, byte[] Password)
{
    /// <summary>The sealed text this grant was read from (a shared store replaces it only if nobody changed it since).</summary>
    internal string? Sealed { get; init; }

    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The grant's own key: only refresh tokens carry it, and a shared store's record opens with nothing else.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    /// <summary>The plaintext a shared store seals; the caller zeroes it.</summary>
    internal byte[] ToJson()
    {
        // Sized so it never grows (a grown buffer leaves a copy behind): every string escaped at worst 6 bytes a char.
        var buffer = new ArrayBufferWriter<byte>(256 + 6 * (GrantId.Length + User.Length + Host.Length + ClientId.Length + ClientName.Length
            + Session.Length + SessionId.Length) + 2 * Password.Length);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("g"u8, GrantId);
            w.WriteString("u"u8, User);
            w.WriteString("h"u8, Host);
            w.WriteString("c"u8, ClientId);
            w.WriteString("n"u8, ClientName);
            w.WriteNumber("e"u8, Expires.ToUnixTimeSeconds());
            w.WriteNumber("v"u8, Generation);
            w.WriteString("s"u8, Session);
            w.WriteString("si"u8, SessionId);
            if (DurationSeconds is { } d) w.WriteNumber("d"u8, d);
            w.WriteNumber("ps"u8, PoolStart);
            w.WriteNumber("pm"u8, PoolMax);
            // base64url: no character the writer would escape, so the reader decodes the raw bytes in place.
            var encoded = GC.AllocateArray<byte>(Base64Url.GetEncodedLength(Password.Length), pinned: true);
            Base64Url.EncodeToUtf8(Password, encoded);
            w.WriteString("p"u8, encoded);
            CryptographicOperations.ZeroMemory(encoded);
            w.WriteEndObject();
        }
        var json = buffer.WrittenSpan.ToArray();
        buffer.Clear();   // ArrayBufferWriter.Clear zeroes what was written
        return json;
    }

    /// <summary>Reads <see cref="ToJson"/>'s form; the password goes from the UTF-8 bytes to a pinned array, never through a string.</summary>
    internal static OAuthGrant FromJson(byte[] json)
    {
        string grantId = "", user = "", host = "", clientId = "", clientName = "", session = "", sessionId = "";
        long expires = 0;
        int generation = 0, poolStart = 1, poolMax = 1;
        int? duration = null;
        byte[] password = [];
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "g": grantId = reader.GetString()!; break;
                case "u": user = reader.GetString()!; break;
                case "h": host = reader.GetString()!; break;
                case "c": clientId = reader.GetString()!; break;
                case "n": clientName = reader.GetString()!; break;
                case "e": expires = reader.GetInt64(); break;
                case "v": generation = reader.GetInt32(); break;
                case "s": session = reader.GetString()!; break;
                case "si": sessionId = reader.GetString()!; break;
                case "d": duration = reader.GetInt32(); break;
                case "ps": poolStart = reader.GetInt32(); break;
                case "pm": poolMax = reader.GetInt32(); break;
                case "p":
                    var decoded = GC.AllocateArray<byte>(Base64Url.GetMaxDecodedLength(reader.ValueSpan.Length), pinned: true);
                    Base64Url.DecodeFromUtf8(reader.ValueSpan, decoded, out _, out int length);
                    password = GC.AllocateArray<byte>(length, pinned: true);
                    decoded.AsSpan(0, length).CopyTo(password);
                    CryptographicOperations.ZeroMemory(decoded);
                    break;
            }
        }
        return new OAuthGrant(grantId, user, host, clientId, clientName, DateTimeOffset.FromUnixTimeSeconds(expires), generation, session, sessionId, duration,
            poolStart, poolMax, password);
    }
}

/// <summary>Grants, shared by every replica (memory for one replica, Redis for many), each opened only with its key.</summary>
internal interface IOAuthGrantStore
{
    /// <summary>Keeps the grant; the store owns <see cref="OAuthGrant.Password"/> from here (a shared store seals it and zeroes the array).</summary>
    ValueTask AddAsync(OAuthGrant grant, byte[] key);
    /// <summary>
    /// A copy of the grant, or null when it ended, expired, or <paramref name="key"/> is not its key. The copy's
    /// <see cref="OAuthGrant.Password"/> is the caller's to zero.
    /// </summary>
    ValueTask<OAuthGrant?> FindAsync(string grantId, byte[] key);
    /// <summary>
    /// Replaces <paramref name="current"/> (as found) with <paramref name="next"/> (its password is not taken over);
    /// false when another refresh changed the grant first.
    /// </summary>
    ValueTask<bool> TryReplaceAsync(OAuthGrant current, OAuthGrant next, byte[] key);
    /// <summary>Ends the grant; returns it as it was (its password zeroed already), or null when it had ended already.</summary>
    ValueTask<OAuthGrant?> RemoveAsync(string grantId, byte[] key);
}

internal sealed class MemoryOAuthGrantStore(TimeProvider time) : IOAuthGrantStore
{
    private sealed record Entry(OAuthGrant Grant, byte[] KeyHash);
    private readonly ConcurrentDictionary<string, Entry> _grants = new(StringComparer.Ordinal);
    private long _nextSweep;

    public ValueTask AddAsync(OAuthGrant grant, byte[] key)
    {
        Sweep();
        _grants[grant.GrantId] = new Entry(grant, SHA256.HashData(key));
        return default;
    }

    public ValueTask<OAuthGrant?> FindAsync(string grantId, byte[] key)
    {
        if (Find(grantId, key) is not { } entry) return ValueTask.FromResult<OAuthGrant?>(null);
        var password = GC.AllocateArray<byte>(entry.Grant.Password.Length, pinned: true);
        entry.Grant.Password.CopyTo(password);
        return ValueTask.FromResult<OAuthGrant?>(entry.Grant with { Password = password });
    }

    public ValueTask<bool> TryReplaceAsync(OAuthGrant current, OAuthGrant next, byte[] key)
    {
        var entry = Find(current.GrantId, key);
        return ValueTask.FromResult(entry is not null && entry.Grant.Generation == current.Generation && entry.Grant.Session == current.Session
            && _grants.TryUpdate(current.GrantId, entry with { Grant = next with { Password = entry.Grant.Password } }, entry));
    }

    public ValueTask<OAuthGrant?> RemoveAsync(string grantId, byte[] key)
    {
        if (Find(grantId, key) is not { } entry || !_grants.TryRemove(KeyValuePair.Create(grantId, entry))) return ValueTask.FromResult<OAuthGrant?>(null);
        CryptographicOperations.ZeroMemory(entry.Grant.Password);
        return ValueTask.FromResult<OAuthGrant?>(entry.Grant);
    }

    private Entry? Find(string grantId, byte[] key)
    {
        if (!_grants.TryGetValue(grantId, out var entry) || !CryptographicOperations.FixedTimeEquals(entry.KeyHash, SHA256.HashData(key))) return null;
        if (entry.Grant.Expires > time.GetUtcNow()) return entry;
        if (_grants.TryRemove(KeyValuePair.Create(grantId, entry))) CryptographicOperations.ZeroMemory(entry.Grant.Password);
        return null;
    }

    /// <summary>Forgets expired grants (and zeroes their passwords) at most once a minute, on the next sign-in.</summary>
    private void Sweep()
    {
        var now = time.GetUtcNow();
        long next = Interlocked.Read(ref _nextSweep);
        if (now.ToUnixTimeSeconds() < next || Interlocked.CompareExchange(ref _nextSweep, now.ToUnixTimeSeconds() + 60, next) != next) return;
        foreach (var (id, entry) in _grants)
            if (entry.Grant.Expires <= now && _grants.TryRemove(KeyValuePair.Create(id, entry)))
                CryptographicOperations.ZeroMemory(entry.Grant.Password);
    }
}

/// <summary>
/// Grants in Redis, sealed like sessions (<see cref="SessionSealer"/>) under the grant's own key, which only refresh
/// tokens carry: a dump of the store opens nothing. A record lives until the grant's end (the key's TTL).
/// </summary>
internal sealed class RedisOAuthGrantStore(RedisSessionBackend redis, SessionSealer sealer, TimeProvider time) : IOAuthGrantStore
{
    // Compare-and-set: a rotation wins only over the record it read, so two refreshes with one token cannot both win.
    private const string ReplaceScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
          return 1
        end
        return 0
        """;
    private const string RemoveScript = """
        local value = redis.call('GET', KEYS[1])
        if value then redis.call('DEL', KEYS[1]) end
        return value
        """;

    private RedisKey Key(string grantId) => redis.HiddenKey("oauth-grant", grantId);

    public async ValueTask AddAsync(OAuthGrant grant, byte[] key)
    {
        var ttl = grant.Expires - time.GetUtcNow();
        var text = Seal(grant, key);
        CryptographicOperations.ZeroMemory(grant.Password);
        if (ttl <= TimeSpan.Zero) return;
        await redis.RunAsync(redis.Database.StringSetAsync(Key(grant.GrantId), text, ttl), "oauth grant").ConfigureAwait(false);
    }

    public async ValueTask<OAuthGrant?> FindAsync(string grantId, byte[] key)
    {
        var value = await redis.RunAsync(redis.Database.StringGetAsync(Key(grantId)), "oauth grant").ConfigureAwait(false);
        return value.IsNull ? null : Open(value!, key);
    }

    public async ValueTask<bool> TryReplaceAsync(OAuthGrant current, OAuthGrant next, byte[] key)
    {
        if (current.Sealed is null) return false;
        var result = await redis.EvaluateAsync(ReplaceScript, [Key(current.GrantId)], [current.Sealed, Seal(next, key)], "oauth grant").ConfigureAwait(false);
        return (long)result == 1;
    }

    public async ValueTask<OAuthGrant?> RemoveAsync(string grantId, byte[] key)
    {
        var result = await redis.EvaluateAsync(RemoveScript, [Key(grantId)], [], "oauth grant").ConfigureAwait(false);
        if (result.IsNull || Open((string)result!, key) is not { } grant) return null;
        CryptographicOperations.ZeroMemory(grant.Password);
        return grant;
    }

    private string Seal(OAuthGrant grant, byte[] key)
    {
        var json = grant.ToJson();
        try { return sealer.Seal(key, json); }
        finally { CryptographicOperations.ZeroMemory(json); }
    }

    private OAuthGrant? Open(string text, byte[] key)
    {
        if (sealer.TryUnseal(text, key, out var json) != UnsealResult.Opened || json is null) return null;
        try
        {
            var grant = OAuthGrant.FromJson(json) with { Sealed = text };
            return grant.Expires > time.GetUtcNow() ? grant : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }
}
