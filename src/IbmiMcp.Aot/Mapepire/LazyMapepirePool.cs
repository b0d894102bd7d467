using Microsoft.Extensions.Logging;

namespace IbmiMcp.Mapepire;

/// <summary>
/// A pool opened on first use, as the reference does for the server (DB2i_*) and YAML-source pools, and as a replica
/// does for a session signed on elsewhere. Concurrent first callers share one open; a failed open is retried by the
/// next call (e.g. after IBM i comes back) — except when IBM i rejected the credentials: those are never sent again,
/// because every retry would count as one more failed sign-on against the profile (QMAXSIGN disables it).
/// </summary>
internal sealed class LazyMapepirePool : ISqlRunner, IAsyncDisposable
{
    private readonly MapepireEndpoint _endpoint;
    private readonly Func<MapepireCredentials> _credentials;
    private readonly MapepirePoolOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly Lock _gate = new();
    private Task<MapepirePool>? _opening;
    private bool _disposed;

    /// <param name="credentials">Called for each open attempt; the pool takes ownership of what it returns.</param>
    public LazyMapepirePool(string user, MapepireEndpoint endpoint, Func<MapepireCredentials> credentials, MapepirePoolOptions options,
        ILoggerFactory? loggerFactory = null)
    {
        options.Validate();
        User = user.Trim().ToUpperInvariant(); _endpoint = endpoint; _credentials = credentials; _options = options; _loggerFactory = loggerFactory;
    }

    public string User { get; }

    /// <summary>The open pool, or null before first use (or after a failed open).</summary>
    public MapepirePool? Current => _opening is { IsCompletedSuccessfully: true } t ? t.Result : null;

    public ValueTask<MapepirePool> GetPoolAsync(CancellationToken ct)
    {
        var opening = Volatile.Read(ref _opening);
        if (opening is { IsCompletedSuccessfully: true }) return new(opening.Result);
        return Slow(ct);

        async ValueTask<MapepirePool> Slow(CancellationToken ct)
        {
            Task<MapepirePool> task;
            lock (_gate)
            {
                if (_disposed) throw new MapepireException(MapepireFailure.Disposed, $"The IBM i connection pool for {User} has been closed.");
                if (_opening is { IsFaulted: true } failed && failed.Exception?.InnerException is MapepireException { Failure: MapepireFailure.Authentication } rejected)
                    throw MapepirePool.CredentialsRejected(User, rejected.Message);
                if (_opening is null || _opening.IsFaulted || _opening.IsCanceled)
                    // Not the caller's token: one caller giving up must not fail the open others are waiting for.
                    _opening = MapepirePool.OpenAsync(_endpoint, _credentials(), _options, _loggerFactory, CancellationToken.None);
                task = _opening;
            }
            return await task.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    public async ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
    {
        var pool = await GetPoolAsync(cancellationToken).ConfigureAwait(false);
        return await pool.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Task<MapepirePool>? opening;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            opening = _opening;
        }
        if (opening is null) return;
        try { await (await opening.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false); }
        catch (MapepireException) { /* it never opened */ }
    }
}
