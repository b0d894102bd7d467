using IbmiMcp.Auth;
using ModelContextProtocol.Server;

namespace IbmiMcp.Mcp;

/// <summary>
/// One stateful Streamable HTTP session (initialize handshake clients, 2025-11-25 and earlier): a long-lived
/// transport + server pair, bound to the identity that created it. Each POST still carries its own
/// <see cref="Caller"/> in the message Items, so a rotated token of the same user keeps working.
/// </summary>
internal sealed class McpSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _lifetime = new();
    private int _inFlight;
    private long _lastActivityTicks;
    private int _getStreamState;   // 0 never opened, 1 open, 2 opened before and closed
    private int _disposed;

    public McpSession(string id, Caller owner, StreamableHttpServerTransport transport, McpServer server, long nowTicks)
    {
        Id = id;
        OwnerIdentity = owner.Identity;
        OwnerKind = owner.Kind;
        Transport = transport;
        Server = server;
        _lastActivityTicks = nowTicks;
        RunTask = server.RunAsync(_lifetime.Token);
    }

    public string Id { get; }
    public string OwnerIdentity { get; }
    public CallerKind OwnerKind { get; }
    public StreamableHttpServerTransport Transport { get; }
    public McpServer Server { get; }
    public Task RunTask { get; }
    public CancellationToken Lifetime => _lifetime.Token;
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public bool IsOwnedBy(Caller caller)
        => caller.Kind == OwnerKind && string.Equals(caller.Identity, OwnerIdentity, StringComparison.Ordinal);

    /// <summary>Marks a request in flight; the stale sweep never closes a session with requests in flight.</summary>
    public void Enter(long nowTicks)
    {
        Interlocked.Increment(ref _inFlight);
        Volatile.Write(ref _lastActivityTicks, nowTicks);
    }

    public void Exit(long nowTicks)
    {
        Volatile.Write(ref _lastActivityTicks, nowTicks);
        Interlocked.Decrement(ref _inFlight);
    }

    public bool IsStale(long nowTicks, long staleTicks)
        => Volatile.Read(ref _inFlight) == 0 && nowTicks - Volatile.Read(ref _lastActivityTicks) > staleTicks;

    /// <summary>One standalone GET stream per session, once: the SDK transport serves it a single time.</summary>
    public GetStreamOpening TryOpenGetStream() => Interlocked.CompareExchange(ref _getStreamState, 1, 0) switch
    {
        0 => GetStreamOpening.Opened,
        1 => GetStreamOpening.AlreadyOpen,
        _ => GetStreamOpening.AlreadyUsed,
    };

    public void CloseGetStream() => Volatile.Write(ref _getStreamState, 2);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _lifetime.Cancel();
        await Transport.DisposeAsync().ConfigureAwait(false);
        try
        {
            await RunTask.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The run loop ends by cancellation here; anything else it failed with has nobody left to report to,
            // and disposal (often from the stale sweep's timer) must not throw.
        }
        await Server.DisposeAsync().ConfigureAwait(false);
        _lifetime.Dispose();
    }
}

internal enum GetStreamOpening { Opened, AlreadyOpen, AlreadyUsed }
