using IbmiMcp.Mapepire;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth;

/// <summary>
/// MCP_AUTH_MODE=none and stdio have no caller identity: every statement runs as the server account (DB2i_USER), so
/// authorization rules are evaluated against that account's IBM i profile — <c>tools/list</c> then shows what the
/// account can actually do, and rules fail closed when there is no account. Read once on first use through the server
/// pool; a failed read (IBM i down) is retried after <see cref="RetryAfter"/>.
/// </summary>
internal sealed class ServerAccountProfile
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);

    private readonly ISqlRunner? _pool;
    private readonly string _user;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private volatile CallerProfile _current;
    private Task<CallerProfile>? _reading;
    private long _failedAt = long.MinValue;

    public ServerAccountProfile(ISqlRunner? pool, ILogger log, TimeProvider? time = null)
    {
        _pool = pool;
        _user = pool?.User ?? "anonymous";
        _log = log;
        _time = time ?? TimeProvider.System;
        _current = pool is null ? CallerProfile.Anonymous : CallerProfile.ForIbmiUser(_user, null, [], [], complete: false);
    }

    /// <summary>The latest profile (incomplete until the first read succeeds).</summary>
    public CallerProfile Current => _current;

    public ValueTask<CallerProfile> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current.Complete || _pool is null) return new(current);
        Task<CallerProfile> reading;
        lock (_gate)
        {
            if (_reading is null)
            {
                if (_failedAt != long.MinValue && _time.GetElapsedTime(_failedAt) < RetryAfter) return new(current);
                // Not the caller's token: one caller giving up must not leave the others without the profile.
                _reading = ReadAsync();
            }
            reading = _reading;
        }
        return new(reading.WaitAsync(cancellationToken));
    }

    private async Task<CallerProfile> ReadAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15), _time);
            var profile = await IbmiProfileReader.ReadAsync(_user, _pool!, _log, timeout.Token).ConfigureAwait(false);
            if (profile.Complete) _current = profile;
            else _failedAt = _time.GetTimestamp();
            return profile;
        }
        catch (Exception ex) when (ex is MapepireException or OperationCanceledException)
        {
            AuthLog.ProfileUnreadable(_log, _user, ex.Message);
            _failedAt = _time.GetTimestamp();
            return _current;
        }
        finally
        {
            lock (_gate) _reading = null;
        }
    }
}
