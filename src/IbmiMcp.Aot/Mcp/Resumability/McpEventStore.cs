using System.Net.ServerSentEvents;
using System.Security.Cryptography;
using System.Text;
using IbmiMcp.Auth;
using IbmiMcp.Auth.Sessions;
using IbmiMcp.Configuration;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

#pragma warning disable MCP9006 // Resumability exists for stateful sessions (2025-11-25 and earlier), which this server serves on purpose.

namespace IbmiMcp.Mcp.Resumability;

/// <summary>
/// Resumable SSE streams (SEP-1699, MCP 2025-11-25) for stateful sessions: every event the SDK's transport writes is
/// kept for MCP_SSE_EVENT_RETENTION_SECONDS by the SDK's own <see cref="DistributedCacheEventStreamStore"/>, so a client
/// whose stream a proxy cut (a long <c>fetchAllRows</c> tool call, a slow performance service) reconnects with
/// <c>GET</c> + <c>Last-Event-ID</c> and receives what it missed — exactly once — and the rest as it comes.
/// </summary>
/// <remarks>
/// The cache is in memory, bounded by MCP_SSE_EVENT_STORE_MAX_BYTES, or — when the Redis session store is configured —
/// Redis under the server's key prefix, values sealed with the session key, so the resume works on any replica.
/// Beside the events it keeps a digest of each session's owner (kind and identity), refreshed whenever the session
/// opens a stream: a replica that does not hold the session checks the resuming caller against it.
/// </remarks>
internal sealed class McpEventStore
{
    private const string OwnerPrefix = "mcp:owner:v1:";
    private readonly IDistributedCache _cache;
    private readonly DistributedCacheEntryOptions _ownerEntry;

    private McpEventStore(IDistributedCache cache, ServerOptions options, ILoggerFactory loggerFactory, bool shared)
    {
        _cache = cache;
        Shared = shared;
        Retention = TimeSpan.FromSeconds(options.SseEventRetentionSeconds);
        Retry = TimeSpan.FromMilliseconds(options.SseRetryMs);
        // A session's owner record lives as long as the session can be idle, refreshed by every stream it opens.
        _ownerEntry = new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromMilliseconds(Math.Max(options.StatefulSessionStaleTimeoutMs, options.SseEventRetentionSeconds * 1000L)),
        };
        var sdk = new DistributedCacheEventStreamStore(Options.Create(new DistributedCacheEventStreamStoreOptions
        {
            Cache = cache,
            EventSlidingExpiration = null,
            EventAbsoluteExpiration = Retention,
            MetadataSlidingExpiration = Retention,
            MetadataAbsoluteExpiration = null,
            // How soon a resumed stream sees an event another replica (or this one) wrote after the reconnect.
            StreamReaderPollingInterval = TimeSpan.FromMilliseconds(options.SseResumePollMs),
        }), loggerFactory.CreateLogger<DistributedCacheEventStreamStore>());
        Store = new OwnedStore(sdk, this);
    }

    /// <summary>The store handed to every stateful transport (<see cref="StreamableHttpServerTransport.EventStreamStore"/>).</summary>
    public ISseEventStreamStore Store { get; }

    public TimeSpan Retention { get; }

    /// <summary>The SSE <c>retry:</c> sent with each stream's priming event: how long a client waits before reconnecting.</summary>
    public TimeSpan Retry { get; }

    /// <summary>True when events live in Redis and any replica can serve a resume.</summary>
    public bool Shared { get; }

    /// <summary>Null when MCP_RESUMABLE_STREAMS=false.</summary>
    public static McpEventStore? Create(ServerOptions options, RedisSessionBackend? redis, SessionSealer? sealer, ILoggerFactory loggerFactory)
    {
        if (!options.ResumableStreams)
            return null;
        if (redis is not null && sealer is not null)
        {
            var connection = redis.Connection;
            var cache = new RedisCache(Options.Create(new RedisCacheOptions
            {
                ConnectionMultiplexerFactory = () => Task.FromResult(connection),
                InstanceName = redis.Prefix + "sse:",
            }));
            return new McpEventStore(new SealedDistributedCache(cache, sealer), options, loggerFactory, shared: true);
        }
        var memory = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions
        {
            SizeLimit = options.SseEventStoreMaxBytes,   // entries are sized by their byte length
            CompactionPercentage = 0.25,
        }));
        return new McpEventStore(memory, options, loggerFactory, shared: false);
    }

    /// <summary>Remembers who opened <paramref name="sessionId"/> (a digest, not the identity).</summary>
    public Task RecordOwnerAsync(string sessionId, Caller owner, CancellationToken cancellationToken)
        => _cache.SetAsync(OwnerPrefix + sessionId, OwnerDigest(owner), _ownerEntry, cancellationToken);

    /// <summary>True or false when the session's owner is known here or in the shared store; null when it is not.</summary>
    public async Task<bool?> IsOwnedByAsync(string sessionId, Caller caller, CancellationToken cancellationToken)
    {
        var stored = await _cache.GetAsync(OwnerPrefix + sessionId, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : CryptographicOperations.FixedTimeEquals(stored, OwnerDigest(caller));
    }

    private static byte[] OwnerDigest(Caller caller)
        => SHA256.HashData(Encoding.UTF8.GetBytes(caller.Kind + "\n" + caller.Identity));

    /// <summary>
    /// The SDK store plus two things it leaves to the host: the priming event carries <c>retry:</c> (the SDK sends it
    /// without), and opening a stream refreshes the session's owner record.
    /// </summary>
    private sealed class OwnedStore(ISseEventStreamStore inner, McpEventStore owner) : ISseEventStreamStore
    {
        public async ValueTask<ISseEventStreamWriter> CreateStreamAsync(SseEventStreamOptions options, CancellationToken cancellationToken = default)
        {
            await owner._cache.RefreshAsync(OwnerPrefix + options.SessionId, cancellationToken).ConfigureAwait(false);
            return new RetryWriter(await inner.CreateStreamAsync(options, cancellationToken).ConfigureAwait(false), owner.Retry);
        }

        public ValueTask<ISseEventStreamReader?> GetStreamReaderAsync(string lastEventId, CancellationToken cancellationToken = default)
            => inner.GetStreamReaderAsync(lastEventId, cancellationToken);
    }

    private sealed class RetryWriter(ISseEventStreamWriter inner, TimeSpan retry) : ISseEventStreamWriter
    {
        public ValueTask SetModeAsync(SseEventStreamMode mode, CancellationToken cancellationToken = default) => inner.SetModeAsync(mode, cancellationToken);

        public ValueTask<SseItem<JsonRpcMessage?>> WriteEventAsync(SseItem<JsonRpcMessage?> sseItem, CancellationToken cancellationToken = default)
        {
            if (sseItem.Data is null && sseItem.EventId is null && sseItem.ReconnectionInterval is null)
                sseItem = sseItem with { ReconnectionInterval = retry };   // the priming event
            return inner.WriteEventAsync(sseItem, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
