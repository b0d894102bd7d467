using IbmiMcp.Auth.Sessions;
using IbmiMcp.Configuration;
using IbmiMcp.Mapepire;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth;

/// <summary>
/// The production <see cref="ISessionPoolFactory"/>: one <see cref="MapepirePool"/> per token, on the host the user
/// asked for (already allow-listed), DB2i_PORT, the server's TLS policy, and the pool sizes from the request.
/// </summary>
internal sealed class MapepireSessionPoolFactory : ISessionPoolFactory
{
    private readonly ServerOptions _options;
    private readonly MapepireTlsPolicy _tls;
    private readonly ILoggerFactory _loggerFactory;

    /// <param name="tls">The same policy the server pool uses (from DB2i_IGNORE_UNAUTHORIZED / DB2i_CA_PATH).</param>
    public MapepireSessionPoolFactory(ServerOptions options, MapepireTlsPolicy tls, ILoggerFactory loggerFactory)
    {
        _options = options; _tls = tls; _loggerFactory = loggerFactory;
    }

    /// <summary>Mapepire port of token pools; tests point it at an emulator on an ephemeral port.</summary>
    public int Port { get; init; } = 0;

    public int MapepirePort => Port > 0 ? Port : _options.Db2iPort;

    public async ValueTask<ISessionPool> OpenAsync(SignOnRequest request, CancellationToken cancellationToken)
    {
        var endpoint = new MapepireEndpoint(request.Host, MapepirePort, _tls);
        // The pool owns (and zeroes) its own copy; ours is zeroed by the caller when this returns.
        var credentials = new MapepireCredentials(request.User, request.Password);
        // Unlike the reference (no JDBC options on token pools), token pools get DB2i_JDBC_OPTIONS too, so a YAML tool
        // sees the same naming and library list whichever pool runs it. The pool proves the password with one
        // connection before it opens the other poolstart - 1 (QMAXSIGN).
        var poolOptions = MapepirePoolOptions.FromServer(_options, request.PoolStart, request.PoolMax);
        var pool = await MapepirePool.OpenAsync(endpoint, credentials, poolOptions, _loggerFactory, cancellationToken).ConfigureAwait(false);
        return new Session(pool);
    }

    public ISessionPool Adopt(SessionRecord record, ReadOnlySpan<byte> password)
    {
        // The session's own copy; each open attempt of the lazy pool gets a fresh copy it owns and zeroes.
        var master = new MapepireCredentials(record.User, password);
        var endpoint = new MapepireEndpoint(record.Host, record.Port, _tls);
        var options = MapepirePoolOptions.FromServer(_options, 1, record.PoolMax);
        return new AdoptedSession(new LazyMapepirePool(record.User, endpoint, master.Copy, options, _loggerFactory), master);
    }

    /// <summary>A session signed on elsewhere: its pool opens on first use; disposing it zeroes the kept password.</summary>
    internal sealed class AdoptedSession(LazyMapepirePool pool, MapepireCredentials master) : ISessionPool
    {
        public LazyMapepirePool Pool { get; } = pool;
        public string User => Pool.User;
        public ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken) => Pool.ExecuteAsync(command, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await Pool.DisposeAsync().ConfigureAwait(false);
            master.Dispose();
        }
    }

    /// <summary>Adapts the pool to <see cref="ISessionPool"/>; exposes it for statistics.</summary>
    internal sealed class Session(MapepirePool pool) : ISessionPool
    {
        public MapepirePool Pool { get; } = pool;
        public string User => Pool.User;
        public ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken) => Pool.ExecuteAsync(command, cancellationToken);
        public ValueTask DisposeAsync() => Pool.DisposeAsync();
    }
}
