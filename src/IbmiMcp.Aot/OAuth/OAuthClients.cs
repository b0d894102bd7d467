using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using IbmiMcp.Auth.Sessions;
using StackExchange.Redis;

namespace IbmiMcp.OAuth;

/// <summary>How the server came to know a client: what its name is worth on the sign-in page.</summary>
internal enum OAuthClientKind
{
    /// <summary>Dynamic Client Registration: anyone may register any name.</summary>
    Registered,
    /// <summary>IBMI_OAUTH_CLIENTS_FILE: the operator named it.</summary>
    Configured,
    /// <summary>A Client ID Metadata Document: the name is the one published at the client_id URL, on that host.</summary>
    MetadataDocument,
}

/// <summary>A public client (no secret, PKCE is its proof), however the server came to know it.</summary>
internal sealed record OAuthClient(string ClientId, string ClientName, string[] RedirectUris, long IssuedAt)
{
    public OAuthClientKind Kind { get; init; } = OAuthClientKind.Registered;

    /// <summary>
    /// Exact match, except that a loopback http redirect may use any port (RFC 8252 §7.3: native apps take an ephemeral
    /// port at run time).
    /// </summary>
    public bool Allows(string? redirectUri)
    {
        if (redirectUri is null) return false;
        foreach (var registered in RedirectUris)
        {
            if (string.Equals(registered, redirectUri, StringComparison.Ordinal)) return true;
            if (Uri.TryCreate(registered, UriKind.Absolute, out var r) && Uri.TryCreate(redirectUri, UriKind.Absolute, out var u)
                && r.Scheme == Uri.UriSchemeHttp && u.Scheme == Uri.UriSchemeHttp && r.IsLoopback && u.IsLoopback
                && string.Equals(r.Host, u.Host, StringComparison.OrdinalIgnoreCase)
                && string.Equals(r.PathAndQuery, u.PathAndQuery, StringComparison.Ordinal) && string.IsNullOrEmpty(u.Fragment))
                return true;
        }
        return false;
    }

    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("client_id"u8, ClientId);
            w.WriteNumber("client_id_issued_at"u8, IssuedAt);
            w.WriteString("client_name"u8, ClientName);
            w.WriteStartArray("redirect_uris"u8);
            foreach (var uri in RedirectUris) w.WriteStringValue(uri);
            w.WriteEndArray();
            w.WriteString("token_endpoint_auth_method"u8, "none"u8);
            w.WriteStartArray("grant_types"u8);
            w.WriteStringValue("authorization_code"u8);
            w.WriteStringValue("refresh_token"u8);
            w.WriteEndArray();
            w.WriteStartArray("response_types"u8);
            w.WriteStringValue("code"u8);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static OAuthClient FromJson(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var root = doc.RootElement;
        return new OAuthClient(root.GetProperty("client_id").GetString()!, root.GetProperty("client_name").GetString()!,
            [.. root.GetProperty("redirect_uris").EnumerateArray().Select(e => e.GetString()!)], root.GetProperty("client_id_issued_at").GetInt64());
    }

    public static string NewClientId()
    {
        Span<byte> bytes = stackalloc byte[24];
        RandomNumberGenerator.Fill(bytes);
        return "dcr_" + Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_').TrimEnd('=');
    }
}

/// <summary>Registered clients, shared by every replica (memory for one replica, Redis for many).</summary>
internal interface IOAuthClientStore
{
    /// <summary>Adds a client; false when the store holds <paramref name="maxClients"/> already.</summary>
    ValueTask<bool> TryAddAsync(OAuthClient client, int maxClients, TimeSpan unusedLifetime);
    /// <summary>The client, or null; a lookup keeps a used client from expiring for another <paramref name="unusedLifetime"/>.</summary>
    ValueTask<OAuthClient?> FindAsync(string clientId, TimeSpan unusedLifetime);
    /// <summary>Counts one registration from <paramref name="address"/> in the current hour; returns the count so far.</summary>
    ValueTask<long> CountRegistrationAsync(string address);
}

internal sealed class MemoryOAuthClientStore(TimeProvider time) : IOAuthClientStore
{
    private readonly ConcurrentDictionary<string, (OAuthClient Client, DateTimeOffset Expires)> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Hour, long Count)> _registrations = new(StringComparer.Ordinal);

    public ValueTask<bool> TryAddAsync(OAuthClient client, int maxClients, TimeSpan unusedLifetime)
    {
        var now = time.GetUtcNow();
        if (_clients.Count >= maxClients)
            foreach (var (id, entry) in _clients)
                if (entry.Expires <= now) _clients.TryRemove(id, out _);
        if (_clients.Count >= maxClients) return ValueTask.FromResult(false);
        return ValueTask.FromResult(_clients.TryAdd(client.ClientId, (client, now + unusedLifetime)));
    }

    public ValueTask<OAuthClient?> FindAsync(string clientId, TimeSpan unusedLifetime)
    {
        var now = time.GetUtcNow();
        if (!_clients.TryGetValue(clientId, out var entry)) return ValueTask.FromResult<OAuthClient?>(null);
        if (entry.Expires <= now)
        {
            _clients.TryRemove(clientId, out _);
            return ValueTask.FromResult<OAuthClient?>(null);
        }
        _clients[clientId] = (entry.Client, now + unusedLifetime);
        return ValueTask.FromResult<OAuthClient?>(entry.Client);
    }

    public ValueTask<long> CountRegistrationAsync(string address)
    {
        var hour = time.GetUtcNow().ToUnixTimeSeconds() / 3600;
        var entry = _registrations.AddOrUpdate(address, (hour, 1), (_, e) => e.Hour == hour ? (hour, e.Count + 1) : (hour, 1));
        return ValueTask.FromResult(entry.Count);
    }
}

internal sealed class RedisOAuthClientStore(RedisSessionBackend redis, TimeProvider time) : IOAuthClientStore
{
    private RedisKey ClientKey(string clientId) => redis.HiddenKey("oauth-client", clientId);
    private RedisKey CountKey => redis.Prefix + "oauth-clients";

    public async ValueTask<bool> TryAddAsync(OAuthClient client, int maxClients, TimeSpan unusedLifetime)
    {
        // An approximate cap (a counter with the clients' lifetime), enough to stop a registration flood.
        var count = await redis.RunAsync(redis.Database.StringIncrementAsync(CountKey), "oauth client count").ConfigureAwait(false);
        await redis.RunAsync(redis.Database.KeyExpireAsync(CountKey, unusedLifetime), "oauth client count").ConfigureAwait(false);
        if (count > maxClients) return false;
        return await redis.RunAsync(redis.Database.StringSetAsync(ClientKey(client.ClientId), client.ToJson(), unusedLifetime, When.NotExists), "oauth client")
            .ConfigureAwait(false);
    }

    public async ValueTask<OAuthClient?> FindAsync(string clientId, TimeSpan unusedLifetime)
    {
        var value = await redis.RunAsync(redis.Database.StringGetSetExpiryAsync(ClientKey(clientId), unusedLifetime), "oauth client").ConfigureAwait(false);
        return value.IsNull ? null : OAuthClient.FromJson((byte[])value!);
    }

    public async ValueTask<long> CountRegistrationAsync(string address)
    {
        var key = redis.HiddenKey("oauth-reg", address + "/" + time.GetUtcNow().ToUnixTimeSeconds() / 3600);
        var count = await redis.RunAsync(redis.Database.StringIncrementAsync(key), "oauth registrations").ConfigureAwait(false);
        if (count == 1) await redis.RunAsync(redis.Database.KeyExpireAsync(key, TimeSpan.FromHours(1)), "oauth registrations").ConfigureAwait(false);
        return count;
    }
}
