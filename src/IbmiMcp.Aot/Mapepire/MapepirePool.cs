using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using IbmiMcp.Mapepire.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Mapepire;

/// <summary>
/// Connections for one credential set, the npgsql way (STYLE §2, §5): idle connections wait in an unbounded
/// channel, the maximum is enforced by a compare-and-swap counter, a <c>null</c> written into the channel wakes a
/// waiter when a connection dies so it can open a replacement, and renting is synchronous when a connection is idle.
/// Each statement has the connection to itself; a stuck statement costs only its own connection. What a statement
/// does on its connection (client registers, fetching, the deadline) is <see cref="MapepireStatementRunner"/>'s.
/// </summary>
internal sealed class MapepirePool : ISqlRunner, IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<MapepireConnection>> _open;
    private readonly MapepireCredentials? _credentials;
    private readonly MapepirePoolOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MapepireStatementRunner _statements;
    private readonly Channel<MapepireConnection?> _idle = Channel.CreateUnbounded<MapepireConnection?>();
    /// <summary>Every live connection, for disposal; slots are claimed and released by compare-and-swap.</summary>
    private readonly MapepireConnection?[] _slots;
    private readonly ITimer? _pruneTimer;
    /// <summary>Prune ticks after which an untouched idle connection is closed.</summary>
    private readonly int _idleTicks;
    /// <summary>Counts prune ticks; a returned connection records it instead of reading the clock on the hot path.</summary>
    private int _pruneTick;
    private int _total;
    private int _idleCount;
    private int _opening;
    private int _waiters;
    private int _disposed;
    /// <summary>IBM i's text when it rejected this pool's credentials; from then on they are never sent again.</summary>
    private string? _rejection;
    // Process-wide and monotonic, for mapepire_pool_waits_total: per-pool counts would vanish with token pools.
    private static long s_waits;
    // Live pools (server and token pools alike) for the metrics and /healthz sums; touched only at open and dispose.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<MapepirePool, byte> s_live = new();

    /// <summary>
    /// Builds a pool around a connection factory; <see cref="OpenAsync"/> is the production entry point. Tests and
    /// benchmarks pass their own factory. The pool owns <paramref name="credentials"/> and zeroes them on dispose.
    /// </summary>
    internal MapepirePool(string user, MapepireEndpoint? endpoint, MapepirePoolOptions options,
        Func<CancellationToken, Task<MapepireConnection>> open, MapepireCredentials? credentials, ILogger? logger)
    {
        options.Validate();
        User = user; Endpoint = endpoint; _options = options; _open = open; _credentials = credentials;
        _time = options.TimeProvider;
        _logger = logger ?? NullLogger.Instance;
        _statements = new MapepireStatementRunner(user, StatementSettings.From(options), _time, _logger);
        _slots = new MapepireConnection?[options.PoolMax];
        s_live.TryAdd(this, 0);
        if (options.IdleTimeout > TimeSpan.Zero)
        {
            var period = TimeSpan.FromTicks(Math.Clamp(options.IdleTimeout.Ticks / 2, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerMinute));
            _idleTicks = (int)Math.Ceiling(options.IdleTimeout / period);
            // A timer captures the current ExecutionContext; a pool built inside a request must not keep that
            // request's AsyncLocals alive for its whole life.
            var restore = !ExecutionContext.IsFlowSuppressed();
            if (restore) ExecutionContext.SuppressFlow();
            try { _pruneTimer = _time.CreateTimer(static s => ((MapepirePool)s!).Prune(), this, period, period); }
            finally { if (restore) ExecutionContext.RestoreFlow(); }
        }
    }

    /// <summary>
    /// Opens a pool and its first <see cref="MapepirePoolOptions.PoolStart"/> connections: one to prove the sign-on,
    /// then the rest in parallel. The pool takes
    /// ownership of <paramref name="credentials"/> (they are disposed, i.e. zeroed, when the pool is, or right away
    /// if opening fails). Throws <see cref="MapepireException"/> whose <see cref="MapepireException.Failure"/> is
    /// Authentication (IBM i refused the user or password, or the upgrade got 401/403), Unreachable, Tls or Timeout;
    /// <see cref="ArgumentException"/> for invalid options.
    /// </summary>
    public static async Task<MapepirePool> OpenAsync(MapepireEndpoint endpoint, MapepireCredentials credentials,
        MapepirePoolOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(options);
        var logger = loggerFactory?.CreateLogger("IbmiMcp.Mapepire") ?? NullLogger.Instance;
        try
        {
            options.Validate();
            credentials.Validate();
            if (endpoint.Tls.Mode == MapepireTlsMode.TrustOnFirstUse)
            {
                var resolved = await MapepireTlsPolicy.ResolveTrustOnFirstUseAsync(endpoint.Host, endpoint.Port, options.ConnectTimeout, cancellationToken)
                    .ConfigureAwait(false);
                if (resolved.PinnedCertificates is [var root, ..])
                    MapepireLog.TrustOnFirstUsePinned(logger, endpoint.ToString(), root.Subject, root.GetCertHashString(HashAlgorithmName.SHA256));
                endpoint = endpoint with { Tls = resolved };
            }
        }
        catch
        {
            credentials.Dispose();
            throw;
        }

        var resolvedEndpoint = endpoint;
        var jdbc = options.JdbcOptions;
        var application = options.ApplicationName;
        var timeout = options.ConnectTimeout;
        var pool = new MapepirePool(credentials.User, resolvedEndpoint, options,
            ct => MapepireConnection.OpenAsync(resolvedEndpoint, credentials, jdbc, application, timeout, logger, ct),
            credentials, logger);
        try
        {
            await pool.WarmUpAsync(options.PoolStart, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        MapepireLog.PoolOpened(logger, pool.User, resolvedEndpoint.ToString(), options.PoolStart, options.PoolMax, resolvedEndpoint.Tls.Mode);
        return pool;
    }

    /// <summary>IBM i user profile (upper-case).</summary>
    public string User { get; }

    /// <summary>The endpoint with its TLS policy resolved (trust on first use becomes the pinned root).</summary>
    public MapepireEndpoint? Endpoint { get; }

    public MapepirePoolOptions Options => _options;

    public PoolStatistics Statistics
    {
        get
        {
            var total = Volatile.Read(ref _total);
            var idle = Math.Max(0, Volatile.Read(ref _idleCount));
            var opening = Volatile.Read(ref _opening);
            return new PoolStatistics(idle, Math.Max(0, total - idle - opening), opening, total, Volatile.Read(ref _waiters), _options.PoolMax);
        }
    }

    /// <summary>Rents that had to wait for a connection, over every pool since the process started.</summary>
    public static long TotalWaits => Interlocked.Read(ref s_waits);

    /// <summary>Connections of every live pool in the process, summed (a racy snapshot, for metrics and readiness).</summary>
    public static PoolStatistics TotalStatistics()
    {
        int idle = 0, busy = 0, opening = 0, total = 0, waiters = 0, max = 0;
        foreach (var pool in s_live.Keys)
        {
            var s = pool.Statistics;
            idle += s.Idle; busy += s.Busy; opening += s.Opening; total += s.Total; waiters += s.Waiters; max += s.Max;
        }
        return new PoolStatistics(idle, busy, opening, total, waiters, max);
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    // ── Rent / return ────────────────────────────────────────────────────────

    /// <summary>Rents a connection for exclusive use; give it back with <see cref="Return"/>.</summary>
    internal ValueTask<MapepireConnection> RentAsync(CancellationToken ct)
    {
        while (_idle.Reader.TryRead(out var connection))
        {
            if (connection is null) continue; // a wake-up hint nobody was waiting for
            Interlocked.Decrement(ref _idleCount);
            if (CheckIdle(connection)) return new(connection);
        }
        return RentSlowAsync(ct);
    }

    private async ValueTask<MapepireConnection> RentSlowAsync(CancellationToken ct)
    {
        CancellationTokenSource? deadline = null;
        CancellationTokenSource? linked = null;
        try
        {
            while (true)
            {
                if (IsDisposed) throw DisposedException();
                var opened = await TryOpenNewAsync(ct).ConfigureAwait(false);
                if (opened is not null) return opened;

                // One deadline for the whole wait, however many times a null wakes us to retry opening.
                deadline ??= new CancellationTokenSource(_options.AcquireTimeout, _time);
                linked ??= CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
                MapepireConnection? connection;
                Interlocked.Increment(ref _waiters);
                Interlocked.Increment(ref s_waits);
                try
                {
                    connection = await _idle.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw ExhaustedException();
                }
                catch (ChannelClosedException)
                {
                    throw DisposedException();
                }
                finally
                {
                    Interlocked.Decrement(ref _waiters);
                }
                if (connection is null) continue; // a connection died: a slot is free, try opening one
                Interlocked.Decrement(ref _idleCount);
                if (CheckIdle(connection)) return connection;
            }
        }
        finally
        {
            linked?.Dispose();
            deadline?.Dispose();
        }
    }

    /// <summary>Opens a connection if the count allows; null when the pool is at poolmax.</summary>
    private async Task<MapepireConnection?> TryOpenNewAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _rejection) is { } rejection)
            throw CredentialsRejected(User, rejection);
        // No SpinWait: contention here means another caller is opening, and that is what we would wait for anyway.
        var count = Volatile.Read(ref _total);
        while (true)
        {
            if (count >= _options.PoolMax) return null;
            var seen = Interlocked.CompareExchange(ref _total, count + 1, count);
            if (seen == count) break;
            count = seen;
        }

        Interlocked.Increment(ref _opening);
        MapepireConnection connection;
        try
        {
            connection = await _open(ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Interlocked.Decrement(ref _total);
            // A password changed or a profile disabled on IBM i since the sign-on: every further attempt (this pool
            // reopens connections after idle trimming) would be one more failed sign-on counted against the profile.
            if (ex is MapepireException { Failure: MapepireFailure.Authentication } rejected)
                Interlocked.CompareExchange(ref _rejection, rejected.Message, null);
            // Whoever waits may succeed where we failed (or fail with their own, fresh error).
            _idle.Writer.TryWrite(null);
            if (ex is MapepireException me && Endpoint is not null)
                MapepireLog.OpenFailed(_logger, Endpoint.ToString(), User, me.Failure, me.Message);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _opening);
        }

        connection.LastUsedTick = Volatile.Read(ref _pruneTick);
        // _total ≤ PoolMax and slots are freed before _total drops, so a free slot always exists.
        for (var i = 0; i < _slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _slots[i], connection, null) is null)
            {
                connection.Slot = i;
                break;
            }
        }
        if (IsDisposed)
        {
            Close(connection);
            throw DisposedException();
        }
        return connection;
    }

    /// <summary>A rented connection is usable unless its reader saw the socket die; Close() drops it otherwise.</summary>
    private bool CheckIdle(MapepireConnection connection)
    {
        if (!connection.IsBroken) return true;
        Close(connection);
        return false;
    }

    /// <summary>Gives a rented connection back; broken ones are closed and their slot freed for a replacement.</summary>
    internal void Return(MapepireConnection connection)
    {
        if (connection.IsBroken || IsDisposed)
        {
            Close(connection);
            return;
        }
        connection.LastUsedTick = Volatile.Read(ref _pruneTick);
        // Count before the write: once written, a renter may take it and decrement before we would increment.
        Interlocked.Increment(ref _idleCount);
        if (!_idle.Writer.TryWrite(connection))
        {
            Interlocked.Decrement(ref _idleCount);
            Close(connection);
        }
    }

    private void Close(MapepireConnection connection)
    {
        if (!connection.TryMarkReleased()) return;
        if (connection.Slot >= 0) Interlocked.CompareExchange(ref _slots[connection.Slot], null, connection);
        Interlocked.Decrement(ref _total);
        _idle.Writer.TryWrite(null);
        _ = DisposeQuietlyAsync(connection);
    }

    private static async Task DisposeQuietlyAsync(MapepireConnection connection)
    {
        try { await connection.DisposeAsync().ConfigureAwait(false); }
        catch (Exception) { /* closing a dead socket has nothing left to report */ }
    }

    /// <summary>
    /// Opens the first connection alone, then the rest in parallel. A wrong password must cost IBM i one failed sign-on,
    /// not poolstart of them: QMAXSIGN disables the profile after a few. Once the sign-on is proven, an extra connection
    /// that fails is not fatal; the pool opens it again on demand.
    /// </summary>
    private async Task WarmUpAsync(int count, CancellationToken ct)
    {
        var first = await TryOpenNewAsync(ct).ConfigureAwait(false);
        if (first is not null) Return(first);
        if (count <= 1) return;

        var opening = new Task<MapepireConnection?>[count - 1];
        for (var i = 0; i < opening.Length; i++) opening[i] = TryOpenNewAsync(ct);
        try { await Task.WhenAll(opening).ConfigureAwait(false); }
        catch (MapepireException) { /* logged by TryOpenNewAsync; the pool grows again on demand */ }
        foreach (var task in opening)
            if (task.IsCompletedSuccessfully && task.Result is { } connection) Return(connection);
        ct.ThrowIfCancellationRequested();
    }

    // ── Statements ───────────────────────────────────────────────────────────

    public async ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var started = _time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            var connection = await RentAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await _statements.RunAsync(connection, command, started, cancellationToken).ConfigureAwait(false);
            }
            catch (MapepireException ex) when (attempt == 0 && ex.Failure == MapepireFailure.ConnectionLost
                && !cancellationToken.IsCancellationRequested && IsReadOnly(command.Sql))
            {
                // A socket can die between the reader noticing and our rent; re-running a query is harmless, re-running
                // an update is not, so only reads get a second connection.
                MapepireLog.Retrying(_logger, User, ex.Message);
            }
            finally
            {
                Return(connection);
            }
        }
    }

    /// <summary>True when the statement starts with SELECT, WITH or VALUES (after comments and parentheses).</summary>
    internal static bool IsReadOnly(string sql)
    {
        var s = sql.AsSpan();
        while (true)
        {
            s = s.TrimStart();
            if (s.StartsWith("--"))
            {
                var nl = s.IndexOf('\n');
                if (nl < 0) return false;
                s = s[(nl + 1)..];
            }
            else if (s.StartsWith("/*"))
            {
                var end = s.IndexOf("*/");
                if (end < 0) return false;
                s = s[(end + 2)..];
            }
            else if (s.StartsWith("(")) s = s[1..];
            else break;
        }
        return StartsWithWord(s, "SELECT") || StartsWithWord(s, "WITH") || StartsWithWord(s, "VALUES");

        static bool StartsWithWord(ReadOnlySpan<char> s, string word) =>
            s.StartsWith(word, StringComparison.OrdinalIgnoreCase) && (s.Length == word.Length || !char.IsLetterOrDigit(s[word.Length]));
    }

    // ── Health ───────────────────────────────────────────────────────────────

    /// <summary>
    /// Readiness probe: pings the job behind one connection (spec §3.10). Throws <see cref="MapepireException"/> when
    /// unhealthy; a connection that fails the ping is closed so the pool replaces it.
    /// </summary>
    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        var connection = await RentAsync(cancellationToken).ConfigureAwait(false);
        var limit = _options.QueryTimeout > TimeSpan.Zero ? _options.QueryTimeout : _options.ConnectTimeout;
        using var timeout = new CancellationTokenSource(limit, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var reply = await connection.PingAsync(linked.Token).ConfigureAwait(false);
            if (!reply.Success || (reply.Root.TryGetProperty("db_alive"u8, out var alive) && alive.ValueKind == JsonValueKind.False))
            {
                var ex = reply.Success ? new MapepireException(MapepireFailure.ConnectionLost, "The IBM i job is not alive.") : reply.ToException();
                connection.Break(MapepireFailure.ConnectionLost, "Health check failed: " + ex.Message);
                throw new MapepireException(MapepireFailure.ConnectionLost, "Health check failed: " + ex.Message, ex.SqlState, ex.SqlCode);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            connection.Break(MapepireFailure.Timeout, "Health check timed out.");
            throw new MapepireException(MapepireFailure.Timeout, $"The health check ping did not answer within {(long)limit.TotalMilliseconds} ms.");
        }
        finally
        {
            Return(connection);
        }
    }

    // ── Idle trimming ────────────────────────────────────────────────────────

    /// <summary>Closes connections idle longer than the idle timeout (never below MinConnections) and dead ones.</summary>
    internal void Prune()
    {
        if (IsDisposed) return;
        var tick = Interlocked.Increment(ref _pruneTick);
        var toVisit = Volatile.Read(ref _idleCount);
        while (toVisit-- > 0 && _idle.Reader.TryRead(out var connection))
        {
            if (connection is null)
            {
                toVisit++; // hints are dropped, not counted
                continue;
            }
            Interlocked.Decrement(ref _idleCount);
            if (connection.IsBroken)
            {
                Close(connection);
                continue;
            }
            // Strictly more than _idleTicks ticks: idle at least IdleTimeout, at most one period longer.
            if (tick - connection.LastUsedTick > _idleTicks
                && Volatile.Read(ref _total) > _options.MinConnections)
            {
                MapepireLog.IdleConnectionClosed(_logger, User, connection.Job);
                Close(connection);
                continue;
            }
            Interlocked.Increment(ref _idleCount);
            if (!_idle.Writer.TryWrite(connection))
            {
                Interlocked.Decrement(ref _idleCount);
                Close(connection);
            }
        }
    }

    // ── Errors and disposal ──────────────────────────────────────────────────

    private MapepireException ExhaustedException()
    {
        var ms = (long)_options.AcquireTimeout.TotalMilliseconds;
        var max = _options.PoolMax;
        var message = $"No IBM i connection for {User} became free within {ms} ms: all {max} are busy. " +
                      $"Raise poolmax (currently {max}) or MCP_POOL_ACQUIRE_TIMEOUT_MS (currently {ms}).";
        MapepireLog.PoolExhausted(_logger, User, message);
        return new MapepireException(MapepireFailure.PoolExhausted, message);
    }

    /// <summary>What a pool answers once IBM i has rejected its credentials: it will not send them again.</summary>
    internal static MapepireException CredentialsRejected(string user, string detail) => new(MapepireFailure.Authentication,
        $"IBM i rejected the credentials of {user} ({detail}). They are not sent again, so IBM i counts no more failed sign-ons " +
        "against the profile: sign on again (IBM i token), or correct DB2i_USER/DB2i_PASS and restart the server (server pool).");

    private MapepireException DisposedException() =>
        new(MapepireFailure.Disposed, $"The IBM i connection pool for {User} has been closed.");

    /// <summary>Closes every socket (busy ones too: their statements fail) and zeroes the password.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        s_live.TryRemove(this, out _);
        if (_pruneTimer is not null) await _pruneTimer.DisposeAsync().ConfigureAwait(false);
        _idle.Writer.TryComplete();
        var closing = new List<Task>();
        for (var i = 0; i < _slots.Length; i++)
        {
            if (Interlocked.Exchange(ref _slots[i], null) is { } connection && connection.TryMarkReleased())
            {
                Interlocked.Decrement(ref _total);
                closing.Add(DisposeQuietlyAsync(connection));
            }
        }
        while (_idle.Reader.TryRead(out _)) { }
        Volatile.Write(ref _idleCount, 0);
        await Task.WhenAll(closing).ConfigureAwait(false);
        _credentials?.Dispose();
        MapepireLog.PoolClosed(_logger, User);
    }
}
