using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text.Encodings.Web;
using System.Text.Json;
using IbmiMcp.Mapepire.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Mapepire;

/// <summary>
/// One Mapepire WebSocket = one IBM i job. Many requests may be in flight: each gets a numeric string id and a
/// TaskCompletionSource; one reader loop completes them as replies arrive, in any order (spec §2.3). Sends are
/// serialized (one outstanding SendAsync per WebSocket). <see cref="Break"/> is the only way a connection becomes
/// unusable: it fails every pending request and aborts the socket.
/// </summary>
internal sealed class MapepireConnection : IAsyncDisposable
{
    private const int InitialReceiveBuffer = 16 * 1024;
    /// <summary>A reply above this is treated as a protocol failure rather than exhausting memory.</summary>
    private const int MaxReplyBytes = 256 * 1024 * 1024;
    private const int RetainedSendBuffer = 64 * 1024;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // The requests never reach HTML; the relaxed encoder keeps non-ASCII SQL readable and compact.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly WebSocket _ws;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<MapepireResponse>> _pending = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private ArrayBufferWriter<byte> _sendBuffer = new(1024);
    private readonly Utf8JsonWriter _writer;
    private long _nextId;
    private MapepireException? _breakReason;
    private Task _readLoop = Task.CompletedTask;
    private int _released;

    /// <summary>Wraps an open WebSocket. Tests and benchmarks may pass any WebSocket (no reader when <paramref name="startReader"/> is false).</summary>
    internal MapepireConnection(WebSocket ws, string endpoint, ILogger? logger, bool startReader = true)
    {
        _ws = ws; Endpoint = endpoint;
        _logger = logger ?? NullLogger.Instance;
        _writer = new Utf8JsonWriter(_sendBuffer, s_writerOptions);
        if (startReader) _readLoop = Task.Run(ReadLoopAsync);
    }

    public string Endpoint { get; }
    /// <summary>The IBM i job behind this socket, e.g. 123456/QUSER/QZDASOINIT; empty until connected.</summary>
    public string Job { get; internal set; } = "";
    public bool IsBroken => Volatile.Read(ref _breakReason) is not null;
    public MapepireException? BreakReason => Volatile.Read(ref _breakReason);
    public int InFlight => _pending.Count;

    // Pool bookkeeping, only touched by MapepirePool.
    internal int LastUsedTick;
    internal string? ClientTag;
    internal int Slot = -1;
    /// <summary>True once, for the caller that removes this connection from its pool's count.</summary>
    internal bool TryMarkReleased() => Interlocked.Exchange(ref _released, 1) == 0;

    /// <summary>
    /// Opens the socket (Basic auth on the upgrade) and sends <c>connect</c>. Failures come back as
    /// <see cref="MapepireException"/> with a failure reason the auth endpoint can map: Authentication (HTTP 401/403
    /// on the upgrade, or IBM i refusing the sign-on at connect), Unreachable, Tls, Timeout or Protocol.
    /// </summary>
    public static async Task<MapepireConnection> OpenAsync(MapepireEndpoint endpoint, MapepireCredentials credentials,
        JdbcOptions jdbc, string application, TimeSpan timeout, ILogger? logger, CancellationToken ct)
    {
        credentials.Validate();
        var tls = endpoint.Tls;
        string? tlsRejection = null;
        RemoteCertificateValidationCallback? validate = tls.Mode == MapepireTlsMode.Plain ? null : (_, cert, chain, errors) =>
        {
            if (tls.Validate(cert, chain, errors, out var why)) return true;
            tlsRejection = why;
            return false;
        };

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        WebSocket ws;
        try
        {
            // Unsolicited pongs keep NAT and firewalls from dropping long-idle pool sockets (the server never times out, spec §1.5).
            ws = await WebSocketUpgrade.ConnectAsync(endpoint, credentials, validate, TimeSpan.FromSeconds(30), cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            throw MapConnectFailure(ex, endpoint, tlsRejection, timeout);
        }

        var connection = new MapepireConnection(ws, endpoint.ToString(), logger, startReader: true);
        try
        {
            using var reply = await connection.RequestAsync(new ConnectRequest(application, jdbc.ToPropsString()), cts.Token).ConfigureAwait(false);
            if (!reply.Success) throw ConnectRefused(reply, endpoint);
            connection.Job = reply.Root.TryGetProperty("job"u8, out var job) && job.ValueKind == JsonValueKind.String ? job.GetString() ?? "" : "";
            MapepireLog.ConnectionOpened(connection._logger, connection.Endpoint, credentials.User, connection.Job);
            return connection;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new MapepireException(MapepireFailure.Timeout, $"Signing on to {endpoint} timed out after {(int)timeout.TotalMilliseconds} ms.");
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static MapepireException ConnectRefused(MapepireResponse reply, MapepireEndpoint endpoint)
    {
        var error = reply.ErrorText ?? "The Mapepire server refused the connect request.";
        var failure = IsIdentityRefusal(error) ? MapepireFailure.Authentication
            : error.StartsWith("Invalid connection technique", StringComparison.Ordinal) ? MapepireFailure.Protocol
            // The server opens its own JDBC connection to DB_SERVER; a network failure there is not the user's fault.
            : error.Contains("java.net.", StringComparison.Ordinal) || error.Contains("UnknownHost", StringComparison.Ordinal)
                ? MapepireFailure.Unreachable
            // Anything else ("Internal Error: IOException: Too many open files", a JVM out of memory, …) is the
            // server failing, not the password: it must neither answer 401 nor count against the user.
            : MapepireFailure.ServerError;
        var state = reply.Root.TryGetProperty("sql_state"u8, out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        var code = reply.Root.TryGetProperty("sql_rc"u8, out var rc) && rc.TryGetInt32(out var c) ? c : 0;
        return new MapepireException(failure, error, state, code);
    }

    /// <summary>
    /// IBM i refused this identity: JTOpen's "The application server rejected the connection" (unknown user, wrong
    /// password, disabled or expired profile) or a deny line of Mapepire's IP/user rules (spec §1.2). Only these are
    /// refused credentials.
    /// </summary>
    internal static bool IsIdentityRefusal(string error)
        => error.Contains("rejected the connection", StringComparison.OrdinalIgnoreCase)
        || error.Contains("refused by security rule", StringComparison.OrdinalIgnoreCase);

    private static MapepireException MapConnectFailure(Exception ex, MapepireEndpoint endpoint, string? tlsRejection, TimeSpan timeout)
    {
        if (ex is OperationCanceledException)
            return new(MapepireFailure.Timeout, $"Connecting to the IBM i Mapepire server {endpoint} timed out after {(int)timeout.TotalMilliseconds} ms.", inner: ex);
        if (tlsRejection is not null)
            return new(MapepireFailure.Tls, $"The TLS certificate of the IBM i Mapepire server {endpoint} was refused: {tlsRejection}.", inner: ex);
        if (ex is WebSocketUpgrade.RefusedException { StatusCode: var status } refused)
            return status switch
            {
                401 or 403 => new(MapepireFailure.Authentication, $"The IBM i Mapepire server at {endpoint} refused the credentials (HTTP {status}).", inner: ex),
                502 or 503 or 504 => new(MapepireFailure.Unreachable, $"The IBM i Mapepire server at {endpoint} is unavailable (HTTP {status}).", inner: ex),
                0 or 101 => new(MapepireFailure.Protocol, $"{endpoint} is not a Mapepire server: {refused.Message}.", inner: ex),
                _ => new(MapepireFailure.Protocol, $"{endpoint} answered HTTP {status} instead of a WebSocket upgrade; is it a Mapepire server?", inner: ex),
            };
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AuthenticationException:
                    return new(MapepireFailure.Tls, $"TLS handshake with the IBM i Mapepire server {endpoint} failed: {Innermost(ex).Message}", inner: ex);
                case SocketException se:
                    return new(MapepireFailure.Unreachable, $"Cannot reach the IBM i Mapepire server {endpoint}: {se.Message}", inner: ex);
            }
        }
        return new(MapepireFailure.Unreachable, $"Cannot connect to the IBM i Mapepire server {endpoint}: {Innermost(ex).Message}", inner: ex);
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }

    // ── Requests ─────────────────────────────────────────────────────────────

    public Task<MapepireResponse> SqlAsync(string sql, int rows, CancellationToken ct) =>
        RequestAsync(new SqlRequest(sql, rows, terse: true), ct);

    public Task<MapepireResponse> PrepareSqlExecuteAsync(string sql, IReadOnlyList<SqlValue> parameters, int rows, CancellationToken ct) =>
        RequestAsync(new PrepareSqlExecuteRequest(sql, parameters, rows, terse: true), ct);

    public Task<MapepireResponse> SqlMoreAsync(long continuationId, int rows, CancellationToken ct) =>
        RequestAsync(new SqlMoreRequest(continuationId, rows), ct);

    public Task<MapepireResponse> SqlCloseAsync(long continuationId, CancellationToken ct) =>
        RequestAsync(new SqlCloseRequest(continuationId), ct);

    public Task<MapepireResponse> PingAsync(CancellationToken ct) => RequestAsync(new PingRequest(), ct);

    public Task<MapepireResponse> GetVersionAsync(CancellationToken ct) => RequestAsync(new GetVersionRequest(), ct);

    /// <summary>
    /// Sends one request and waits for the reply with its id. The caller owns (and must dispose) the reply,
    /// including <c>success:false</c> replies. Throws <see cref="MapepireException"/> when the connection breaks.
    /// </summary>
    public async Task<MapepireResponse> RequestAsync<TRequest>(TRequest request, CancellationToken ct) where TRequest : struct, IMapepireRequest
    {
        ThrowIfBroken();
        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<MapepireResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        // Break publishes its reason before draining _pending, so either it drains us or we see the reason here.
        if (IsBroken)
        {
            _pending.TryRemove(id, out _);
            ThrowIfBroken();
        }

        try
        {
            await _sendLock.WaitAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            _pending.TryRemove(id, out _);
            throw;
        }
        try
        {
            _sendBuffer.ResetWrittenCount();
            _writer.Reset(_sendBuffer);
            request.Write(_writer, id);
            _writer.Flush();
            // No cancellation token: a cancelled SendAsync aborts the whole WebSocket, and a half-sent frame would
            // leave the stream unusable anyway. Cancellation applies to waiting for the reply instead.
            await _ws.SendAsync(_sendBuffer.WrittenMemory, WebSocketMessageType.Text, WebSocketMessageFlags.EndOfMessage, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not MapepireException)
        {
            _pending.TryRemove(id, out _);
            throw Break(MapepireFailure.ConnectionLost, $"Sending to the IBM i Mapepire server failed: {ex.Message}", ex);
        }
        finally
        {
            if (_sendBuffer.Capacity > RetainedSendBuffer)
            {
                // One huge statement should not pin its buffer for the life of the socket.
                _sendBuffer = new ArrayBufferWriter<byte>(1024);
                _writer.Reset(_sendBuffer);
            }
            _sendLock.Release();
        }

        // Registered only after the send: cancelling earlier must not leave a sent request without a waiter that
        // knows its id was dropped. A reply that arrives after cancellation is disposed by the reader.
        await using (ct.UnsafeRegister(static (state, token) =>
            ((TaskCompletionSource<MapepireResponse>)state!).TrySetCanceled(token), reply).ConfigureAwait(false))
        {
            try
            {
                return await reply.Task.ConfigureAwait(false);
            }
            finally
            {
                if (!reply.Task.IsCompletedSuccessfully) _pending.TryRemove(id, out _);
            }
        }
    }

    private void ThrowIfBroken()
    {
        if (Volatile.Read(ref _breakReason) is { } reason)
            throw new MapepireException(reason.Failure, reason.Message, reason.SqlState, reason.SqlCode, reason.InnerException);
    }

    /// <summary>
    /// Marks the connection unusable (idempotent: the first reason wins), fails every pending request with it and
    /// aborts the socket. Returns the exception to throw: <c>throw connection.Break(...)</c>.
    /// </summary>
    public MapepireException Break(MapepireFailure failure, string message, Exception? inner = null)
    {
        var reason = new MapepireException(failure, message, inner: inner);
        if (Interlocked.CompareExchange(ref _breakReason, reason, null) is { } earlier) return earlier;
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var pending))
                pending.TrySetException(new MapepireException(failure, message, inner: inner));
        try { _ws.Abort(); } catch (Exception) { /* already gone */ }
        if (failure != MapepireFailure.Disposed) MapepireLog.ConnectionBroken(_logger, Job, failure, message);
        return reason;
    }

    // ── Reader ───────────────────────────────────────────────────────────────

    private async Task ReadLoopAsync()
    {
        byte[]? buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxReplyBytes)
                    {
                        Break(MapepireFailure.Protocol, $"A Mapepire reply exceeded {MaxReplyBytes / (1024 * 1024)} MiB.");
                        return;
                    }
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                // Text and Binary frames are both accepted: v2.3.0 servers reply in binary frames (spec §1.4).
                var frame = await _ws.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    var why = string.IsNullOrEmpty(_ws.CloseStatusDescription) ? $"{_ws.CloseStatus}" : $"{_ws.CloseStatus}: {_ws.CloseStatusDescription}";
                    Break(MapepireFailure.ConnectionLost, $"The IBM i Mapepire server closed the connection ({why}).");
                    return;
                }
                length += frame.Count;
                if (!frame.EndOfMessage) continue;
                if (buffer.AsSpan(0, length).IndexOfAnyExcept(" \t\r\n"u8) < 0)
                {
                    length = 0; // a bare newline frame carries nothing
                    continue;
                }
                var message = buffer;
                buffer = null; // ownership moves to the reply (or back to the pool on a parse failure)
                if (!Dispatch(message, length)) return;
                buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
                length = 0;
            }
        }
        catch (Exception ex)
        {
            Break(MapepireFailure.ConnectionLost, $"The connection to the IBM i Mapepire server was lost: {ex.Message}", ex);
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Completes the waiter of one reply; false when the connection had to be broken.</summary>
    private bool Dispatch(byte[] message, int length)
    {
        MapepireResponse reply;
        try
        {
            reply = MapepireResponse.Parse(message, length, pooled: true);
        }
        catch (JsonException ex)
        {
            Break(MapepireFailure.Protocol, $"The Mapepire server sent a reply that is not a JSON object: {ex.Message}", ex);
            return false;
        }
        if (reply.Id > 0 && _pending.TryRemove(reply.Id, out var waiter))
        {
            if (!waiter.TrySetResult(reply)) reply.Dispose();
            return true;
        }
        if (reply.IsUnreadableRequestReply)
        {
            // The server could not even read the id of something we sent: that request will never be answered.
            var text = reply.ErrorText ?? "unreadable request";
            reply.Dispose();
            Break(MapepireFailure.Protocol, $"The Mapepire server could not read a request: {text}");
            return false;
        }
        MapepireLog.OrphanReply(_logger, reply.Id);
        reply.Dispose();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        Break(MapepireFailure.Disposed, "The Mapepire connection was closed.");
        try { await _readLoop.ConfigureAwait(false); } catch (Exception) { /* reported through Break */ }
        _ws.Dispose();
        _writer.Dispose();
    }
}
