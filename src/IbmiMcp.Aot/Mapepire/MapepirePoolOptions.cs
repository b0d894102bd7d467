using IbmiMcp.Configuration;

namespace IbmiMcp.Mapepire;

/// <summary>
/// Sizing, deadlines and fetch defaults of one pool. Plain values so the pool does not depend on how settings are
/// loaded; <see cref="FromServer"/> maps <see cref="ServerOptions"/>.
/// </summary>
public sealed class MapepirePoolOptions
{
    /// <summary>Connections opened by <c>OpenAsync</c> (upstream <c>poolstart</c>, default 2).</summary>
    public int PoolStart { get; init; } = 2;
    /// <summary>Upper bound on live connections (upstream <c>poolmax</c>, default 10).</summary>
    public int PoolMax { get; init; } = 10;
    /// <summary>Idle trimming never goes below this many connections.</summary>
    public int MinConnections { get; init; }
    /// <summary>How long a caller waits for a free connection (MCP_POOL_ACQUIRE_TIMEOUT_MS).</summary>
    public TimeSpan AcquireTimeout { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Per-statement deadline; on expiry only that connection is closed (MCP_POOL_QUERY_TIMEOUT_MS; zero = none).</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Idle connections older than this are closed (MCP_POOL_IDLE_TIMEOUT_MS; zero = never).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Deadline for TCP + TLS + upgrade + <c>connect</c> of one connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Page size for <see cref="SqlCommand.FetchAll"/> (IBMI_PAGINATION_DEFAULT_PAGE_SIZE).</summary>
    public int DefaultPageSize { get; init; } = 1000;
    /// <summary>Row cap for <see cref="SqlCommand.FetchAll"/> (IBMI_PAGINATION_MAX_ROWS).</summary>
    public int MaxRows { get; init; } = 30_000;
    public JdbcOptions JdbcOptions { get; init; } = JdbcOptions.Empty;
    /// <summary>The <c>connect</c> application name, shown as the job's ApplicationName client register.</summary>
    public string ApplicationName { get; init; } = "ibmi-mcp";
    /// <summary>Injected so tests drive idle trimming and timeouts with a fake clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal static MapepirePoolOptions FromServer(ServerOptions server, int poolStart = 2, int poolMax = 10, JdbcOptions? jdbc = null) => new()
    {
        PoolStart = poolStart,
        PoolMax = poolMax,
        AcquireTimeout = TimeSpan.FromMilliseconds(server.PoolAcquireTimeoutMs),
        QueryTimeout = TimeSpan.FromMilliseconds(Math.Max(0, server.PoolQueryTimeoutMs)),
        IdleTimeout = TimeSpan.FromMilliseconds(Math.Max(0, server.PoolIdleTimeoutMs)),
        DefaultPageSize = server.PaginationDefaultPageSize,
        MaxRows = server.PaginationMaxRows,
        JdbcOptions = jdbc ?? JdbcOptions.From(server.Db2iJdbcOptions),
        ApplicationName = server.ServerName,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming each bad setting and its value.</summary>
    public void Validate()
    {
        if (PoolStart < 1) throw new ArgumentException($"poolstart must be at least 1 (currently {PoolStart}).");
        if (PoolMax < 1) throw new ArgumentException($"poolmax must be at least 1 (currently {PoolMax}).");
        if (PoolStart > PoolMax) throw new ArgumentException($"poolstart ({PoolStart}) cannot be greater than poolmax ({PoolMax}).");
        if (MinConnections < 0 || MinConnections > PoolMax)
            throw new ArgumentException($"MinConnections must be between 0 and poolmax ({PoolMax}) (currently {MinConnections}).");
        if (AcquireTimeout <= TimeSpan.Zero) throw new ArgumentException($"MCP_POOL_ACQUIRE_TIMEOUT_MS must be positive (currently {AcquireTimeout.TotalMilliseconds}).");
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentException($"The connect timeout must be positive (currently {ConnectTimeout.TotalMilliseconds} ms).");
        if (QueryTimeout < TimeSpan.Zero) throw new ArgumentException($"MCP_POOL_QUERY_TIMEOUT_MS cannot be negative (currently {QueryTimeout.TotalMilliseconds}).");
        if (IdleTimeout < TimeSpan.Zero) throw new ArgumentException($"MCP_POOL_IDLE_TIMEOUT_MS cannot be negative (currently {IdleTimeout.TotalMilliseconds}).");
        if (DefaultPageSize < 1) throw new ArgumentException($"IBMI_PAGINATION_DEFAULT_PAGE_SIZE must be at least 1 (currently {DefaultPageSize}).");
        if (MaxRows < 1) throw new ArgumentException($"IBMI_PAGINATION_MAX_ROWS must be at least 1 (currently {MaxRows}).");
    }
}
