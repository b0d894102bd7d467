using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// The connection to Redis/Valkey shared by the session store, the sign-on guard and the envelope replay window, and the
/// one place their keys are named. Every name that would reveal something (a token, a user profile, a client address)
/// is a one-way digest: a token's record key is SHA-256 of the token (other replicas must compute it from the token
/// alone); guard names are HMAC-SHA256 under a key derived from the server session key, so a dump does not list who
/// failed to sign on.
/// </summary>
/// <remarks>
/// Connected with <c>abortConnect=false</c> (start-up never waits for Redis; the client reconnects by itself) and a
/// fail-fast backlog, so while Redis is down each command fails at once and sign-on answers 503 instead of hanging.
/// </remarks>
internal sealed class RedisSessionBackend : IAsyncDisposable
{
    private static ReadOnlySpan<byte> TokenLabel => "ibmi-mcp/token/v1"u8;
    private static ReadOnlySpan<byte> NamesInfo => "ibmi-mcp/redis-names/v1"u8;

    private readonly ConnectionMultiplexer _connection;
    private readonly byte[] _namesKey;
    private readonly ILogger _log;

    private RedisSessionBackend(ConnectionMultiplexer connection, string prefix, byte[] namesKey, ILogger log)
    {
        _connection = connection;
        Prefix = prefix;
        _namesKey = namesKey;
        _log = log;
        Database = connection.GetDatabase();
        SessionsKey = prefix + "sessions";
        RevocationChannelName = prefix + "revoked";
        RevocationChannel = RedisChannel.Literal(RevocationChannelName);
    }

    public string Prefix { get; }
    public IDatabase Database { get; }
    public ISubscriber Subscriber => _connection.GetSubscriber();
    public bool IsConnected => _connection.IsConnected;

    /// <summary>The connection itself, shared with the MCP event store's Redis cache (one multiplexer per process).</summary>
    public IConnectionMultiplexer Connection => _connection;

    /// <summary>The sorted set of live sessions and reservations (score = expiry, Redis clock, ms): the cluster-wide session count.</summary>
    public RedisKey SessionsKey { get; }

    public RedisChannel RevocationChannel { get; }
    public string RevocationChannelName { get; }

    /// <summary>Whether the configuration string turns TLS on (ssl=true); false for one StackExchange.Redis cannot parse.</summary>
    public static bool UsesTls(string? configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration)) return false;
        try { return ConfigurationOptions.Parse(configuration).Ssl; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>
    /// Connects (or starts connecting: with abortConnect=false this returns while Redis is still down). Throws
    /// <see cref="ArgumentException"/> for a configuration string StackExchange.Redis cannot parse.
    /// </summary>
    /// <param name="caPath">IBMI_AUTH_REDIS_CA_PATH: a CA (or the server's own certificate) to trust for TLS; turns TLS on.</param>
    public static async Task<RedisSessionBackend> ConnectAsync(string configuration, string prefix, SessionKeyRing keys, ILogger log, string? caPath = null)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "ibmi-mcp";
        // Neither the tie-breaker key nor the configuration channel is used here, and both live outside the key prefix:
        // with them off, an ACL user limited to the prefix (docs/scale-out.md) is all the server needs.
        options.TieBreaker = "";
        options.ConfigurationChannel = "";
        if (caPath is not null)
        {
            options.Ssl = true;
            options.TrustIssuer(caPath);
        }
        var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        connection.ConnectionFailed += (_, e) => AuthLog.StoreConnectionFailed(log, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
        connection.ConnectionRestored += (_, e) => AuthLog.StoreConnectionRestored(log, e.EndPoint?.ToString() ?? "?");
        var namesKey = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.ActiveKey, namesKey, salt: default, NamesInfo);
        return new RedisSessionBackend(connection, prefix, namesKey, log);
    }

    /// <summary>The record key of a token: <c>prefix + "s:" + base64url(SHA-256(label ‖ token))</c>, the same on every replica.</summary>
    public static string StoreKeyOf(ReadOnlySpan<byte> token)
    {
        Span<byte> input = stackalloc byte[TokenLabel.Length + SessionTable.TokenBytes];
        TokenLabel.CopyTo(input);
        token.CopyTo(input[TokenLabel.Length..]);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(input, digest);
        CryptographicOperations.ZeroMemory(input);
        return Base64Url.EncodeToString(digest);
    }

    public RedisKey RecordKey(string storeKey) => Prefix + "s:" + storeKey;

    /// <summary>A hidden name for <paramref name="purpose"/> + <paramref name="value"/> (guard counters, replay fingerprints).</summary>
    public RedisKey HiddenKey(string purpose, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_namesKey, bytes, mac);
        return Prefix + purpose + ":" + Base64Url.EncodeToString(mac[..16]);
    }

    public RedisKey HiddenKey(string purpose, ReadOnlySpan<byte> value)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_namesKey, value, mac);
        return Prefix + purpose + ":" + Base64Url.EncodeToString(mac[..16]);
    }

    /// <summary>Runs a Redis operation; connection trouble and timeouts become <see cref="SessionStoreUnavailableException"/>.</summary>
    public async Task<T> RunAsync<T>(Task<T> operation, string what)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException)
        {
            AuthLog.StoreUnavailable(_log, what, ex.GetType().Name, ex.Message);
            throw new SessionStoreUnavailableException("The session store (Redis) is unavailable.", ex);
        }
    }

    public Task<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] values, string what)
        => RunAsync(Database.ScriptEvaluateAsync(script, keys, values), what);

    /// <summary>Round trip for the readiness check.</summary>
    public Task<TimeSpan> PingAsync() => RunAsync(Database.PingAsync(), "ping");

    public async ValueTask DisposeAsync()
    {
        CryptographicOperations.ZeroMemory(_namesKey);
        await _connection.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
        _connection.Dispose();
    }
}
