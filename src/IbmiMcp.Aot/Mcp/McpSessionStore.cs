using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// Stateful sessions by id, with a sweep that closes sessions idle longer than
/// MCP_STATEFUL_SESSION_STALE_TIMEOUT_MS (sessions with requests in flight are skipped, as in the reference).
/// In memory only: a restart or a second replica loses them, and clients re-initialize on the 404.
/// </summary>
internal sealed class McpSessionStore : IAsyncDisposable
{
    /// <summary>Cap on live sessions so an authenticated client looping on initialize cannot exhaust memory.</summary>
    public const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, McpSession> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _staleTicks;
    private readonly ILogger _logger;
    private readonly ITimer _sweep;

    public McpSessionStore(TimeSpan staleTimeout, TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
        _staleTicks = (long)(staleTimeout.TotalSeconds * time.TimestampFrequency);
        var period = TimeSpan.FromTicks(Math.Clamp(staleTimeout.Ticks / 2, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        // Created without the caller's ExecutionContext so the timer does not keep a request's state alive.
        using (ExecutionContext.SuppressFlow())
            _sweep = time.CreateTimer(static state => ((McpSessionStore)state!).Sweep(null), this, period, period);
    }

    public int Count => _sessions.Count;

    public long Now => _time.GetTimestamp();

    public static string NewSessionId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public bool TryAdd(McpSession session) => _sessions.Count < MaxSessions && _sessions.TryAdd(session.Id, session);

    public bool TryGet(string id, out McpSession session)
    {
        if (_sessions.TryGetValue(id, out var found) && !found.IsDisposed)
        {
            session = found;
            return true;
        }
        session = null!;
        return false;
    }

    public async ValueTask<bool> RemoveAsync(string id, string reason)
    {
        if (!_sessions.TryRemove(id, out var session))
            return false;
        await session.DisposeAsync().ConfigureAwait(false);
        McpLog.SessionClosed(_logger, id, reason);
        return true;
    }

    /// <summary>
    /// Sends notifications/tools/list_changed and notifications/prompts/list_changed (both come from the same YAML
    /// files) to every live session; best effort, never blocks the caller.
    /// </summary>
    public int NotifyToolsChanged()
    {
        var count = 0;
        foreach (var session in _sessions.Values)
        {
            count++;
            _ = NotifyAsync(session);
        }
        return count;
    }

    private async Task NotifyAsync(McpSession session)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(session.Lifetime);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await session.Server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, timeout.Token).ConfigureAwait(false);
            await session.Server.SendNotificationAsync(NotificationMethods.PromptListChangedNotification, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            McpLog.NotifyFailed(_logger, ex, session.Id);
        }
    }

    /// <summary>Closes idle sessions; <paramref name="staleAfter"/> overrides the configured timeout (tests).</summary>
    internal void Sweep(TimeSpan? staleAfter)
    {
        var now = _time.GetTimestamp();
        var stale = staleAfter is { } s ? (long)(s.TotalSeconds * _time.TimestampFrequency) : _staleTicks;
        foreach (var session in _sessions.Values)
            if (session.IsStale(now, stale))
                _ = RemoveAsync(session.Id, "stale");
    }

    public async ValueTask DisposeAsync()
    {
        await _sweep.DisposeAsync().ConfigureAwait(false);
        foreach (var id in _sessions.Keys)
            await RemoveAsync(id, "shutdown").ConfigureAwait(false);
    }
}
