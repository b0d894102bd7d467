using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using IbmiMcp.Configuration;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Observability;

/// <summary>
/// The audit trail (MCP_AUDIT_LOG): callers enqueue a small struct; one background thread turns events into
/// JSON lines and writes them to an <see cref="AuditSink"/>, flushing whenever the queue runs empty.
/// <para>
/// The caller's path takes no lock: a <see cref="ConcurrentQueue{T}"/> bounded by an interlocked counter (the npgsql
/// pool trick; a bounded <c>Channel</c> takes a monitor on every write). When the counter is at capacity the event is
/// dropped and counted; the writer then writes an <c>audit_dropped</c> line and a warning, so losses are visible
/// in the trail itself. The writer is woken only when it went idle, and then lingers briefly to collect a batch,
/// so neither a busy nor a moderately loaded server pays a thread wake-up per event.
/// </para>
/// </summary>
internal sealed class AuditLog : IAuditLog
{
    public const int DefaultCapacity = 16 * 1024;

    // Caps keep one line bounded whatever a client sends as argument names or values.
    private const int MaxParameters = 64;
    private const int MaxNameChars = 128;
    private const int MaxValueChars = 256;
    /// <summary>Added latency of an audit line after a quiet period (bounded, and invisible to callers).</summary>
    private const int LingerMs = 10;

    private static readonly JsonWriterOptions s_jsonOptions = new() { SkipValidation = true };

    private readonly ConcurrentQueue<AuditEvent> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly AuditSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly bool _showValues;
    private readonly int _capacity;
    private readonly Thread _writer;

    private int _queued;      // events enqueued and not yet taken by the writer
    private int _idle;        // 1 while the writer sleeps on _wake
    private long _dropped;
    private long _written;
    private long _failed;
    private volatile bool _stopping;
    private int _disposed;

    public AuditLog(AuditSink sink, TimeProvider time, bool showParameterValues = false, int capacity = DefaultCapacity, ILogger? logger = null)
        : this(sink, time, showParameterValues, capacity, logger, startWriter: true)
    {
    }

    /// <summary>For benchmarks: without the writer thread, the caller drains with <see cref="TryTake"/>.</summary>
    internal AuditLog(AuditSink sink, TimeProvider time, bool showParameterValues, int capacity, ILogger? logger, bool startWriter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _sink = sink;
        _time = time;
        _showValues = showParameterValues;
        _capacity = capacity;
        _logger = logger;
        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "audit-writer" };
        if (startWriter)
            _writer.Start();
    }

    /// <summary>
    /// The audit log MCP_AUDIT_LOG asks for: off (unset), "stderr", or a file path with rotation. False, with a
    /// message naming the setting, when the file cannot be opened: an audit trail that was asked for and cannot be
    /// written must stop the server at start, not lose events silently.
    /// </summary>
    public static bool TryCreate(ServerOptions options, TimeProvider time, ILogger logger, out IAuditLog audit, out string? error)
    {
        audit = NullAuditLog.Instance;
        error = null;
        if (string.IsNullOrWhiteSpace(options.AuditLog))
            return true;
        AuditSink sink;
        try
        {
            sink = string.Equals(options.AuditLog, "stderr", StringComparison.OrdinalIgnoreCase)
                ? StreamAuditSink.StandardError()
                : new RotatingFileAuditSink(options.AuditLog, options.AuditMaxBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"MCP_AUDIT_LOG={options.AuditLog}: cannot open the audit log ({ex.Message})";
            return false;
        }
        ObservabilityLog.AuditStarted(logger, sink is RotatingFileAuditSink file ? file.FilePath : "stderr");
        audit = new AuditLog(sink, time, options.AuditShowParameterValues, DefaultCapacity, logger);
        return true;
    }

    /// <summary><see cref="TryCreate"/> that throws <see cref="InvalidOperationException"/> with the message.</summary>
    public static IAuditLog Create(ServerOptions options, TimeProvider time, ILogger logger) =>
        TryCreate(options, time, logger, out var audit, out var error) ? audit : throw new InvalidOperationException(error);

    public bool Enabled => true;

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Lines handed to the sink so far (for tests and the drop accounting).</summary>
    public long Written => Interlocked.Read(ref _written);

    public void SignOn(string? user, string? clientAddress, SignOnResult outcome, string? reason = null, string? sessionId = null) =>
        Enqueue(new AuditEvent
        {
            Kind = AuditEventKind.SignOn, Time = _time.GetUtcNow(), User = user, ClientAddress = clientAddress,
            SignOnResult = outcome, Reason = reason, SessionId = sessionId,
        });

    public void TokenIssued(string user, string sessionId, DateTimeOffset expiresAt, string? clientAddress = null) =>
        Enqueue(new AuditEvent
        {
            Kind = AuditEventKind.TokenIssued, Time = _time.GetUtcNow(), User = user, SessionId = sessionId,
            ExpiresAt = expiresAt, ClientAddress = clientAddress,
        });

    public void TokenRevoked(string user, string sessionId, string? reason = null, string? clientAddress = null) =>
        Enqueue(new AuditEvent
        {
            Kind = AuditEventKind.TokenRevoked, Time = _time.GetUtcNow(), User = user, SessionId = sessionId,
            Reason = reason, ClientAddress = clientAddress,
        });

    public void TokenExpired(string user, string sessionId) =>
        Enqueue(new AuditEvent { Kind = AuditEventKind.TokenExpired, Time = _time.GetUtcNow(), User = user, SessionId = sessionId });

    public void OAuthGrant(string action, string user, string clientId, string clientName, string? sessionId, string? reason = null, string? clientAddress = null) =>
        Enqueue(new AuditEvent
        {
            Kind = AuditEventKind.OAuthGrant, Time = _time.GetUtcNow(), Action = action, User = user, ClientId = clientId, ClientName = clientName,
            SessionId = sessionId, Reason = reason, ClientAddress = clientAddress,
        });

    public void ToolCall(in ToolCallAuditRecord record)
    {
        // Values are opt-in; only then is the caller charged for a copy that outlives its JSON documents.
        var call = _showValues && record.Arguments is { } arguments ? record with { Arguments = Snapshot(arguments) } : record;
        Enqueue(new AuditEvent { Kind = AuditEventKind.ToolCall, Time = _time.GetUtcNow(), Call = call });
    }

    private void Enqueue(in AuditEvent e)
    {
        if (Interlocked.Increment(ref _queued) > _capacity || _stopping)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _queue.Enqueue(e);
        // Wake the writer only on its idle → busy edge; the exchange makes exactly one producer release.
        if (Volatile.Read(ref _idle) == 1 && Interlocked.Exchange(ref _idle, 0) == 1)
            _wake.Release();
    }

    /// <summary>For benchmarks (no writer thread): takes one queued event as the writer would.</summary>
    internal bool TryTake(out AuditEvent e)
    {
        if (!_queue.TryDequeue(out e)) return false;
        Interlocked.Decrement(ref _queued);
        return true;
    }

    private static List<KeyValuePair<string, JsonElement>> Snapshot(IEnumerable<KeyValuePair<string, JsonElement>> arguments)
    {
        var copy = new List<KeyValuePair<string, JsonElement>>();
        foreach (var (name, value) in arguments)
        {
            if (copy.Count == MaxParameters) break;
            copy.Add(new(name, value.Clone()));
        }
        return copy;
    }

    private void WriterLoop()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(buffer, s_jsonOptions);
        long reportedDrops = 0;
        while (true)
        {
            var wrote = false;
            while (_queue.TryDequeue(out var e))
            {
                Interlocked.Decrement(ref _queued);
                wrote |= WriteLine(e, json, buffer);
            }

            var dropped = Interlocked.Read(ref _dropped);
            if (dropped != reportedDrops)
            {
                var e = new AuditEvent { Kind = AuditEventKind.Dropped, Time = _time.GetUtcNow(), Count = dropped - reportedDrops, Total = dropped };
                if (_logger is not null) ObservabilityLog.AuditDropped(_logger, e.Count, e.Total);
                wrote |= WriteLine(e, json, buffer);
                reportedDrops = dropped;
            }

            if (wrote)
                Guard(static sink => sink.Flush());
            if (_stopping && _queue.IsEmpty)
                break;

            // Full fence before re-checking: an Enqueue that missed _idle == 1 must be seen by this check.
            Interlocked.Exchange(ref _idle, 1);
            if (!_queue.IsEmpty || _stopping)
            {
                Volatile.Write(ref _idle, 0);
                continue;
            }
            _wake.Wait();
            // Linger so a burst becomes one batch: at most ~1000/LingerMs wake-ups a second whatever the call rate,
            // instead of a thread wake-up (futex + context switch) for every event of a moderately busy server.
            if (!_stopping)
                Thread.Sleep(LingerMs);
        }
    }

    private bool WriteLine(in AuditEvent e, Utf8JsonWriter json, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        try
        {
            WriteEvent(json, e, _showValues);
            json.Flush();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or ObjectDisposedException)
        {
            // A caller changed its arguments dictionary under us, or a JsonElement's document was disposed.
            Interlocked.Increment(ref _dropped);
            return false;
        }
        buffer.Write("\n"u8);
        if (!Guard(static (sink, line) => sink.WriteLine(line.Span), buffer.WrittenMemory))
            return false;
        Interlocked.Increment(ref _written);
        return true;
    }

    private bool Guard(Action<AuditSink> action) => Guard(static (sink, a) => a(sink), action);

    private bool Guard<T>(Action<AuditSink, T> action, T state)
    {
        try
        {
            action(_sink, state);
            if (_failed > 0)
            {
                if (_logger is not null) ObservabilityLog.AuditRecovered(_logger, _failed);
                _failed = 0;
            }
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            if (_failed++ == 0 && _logger is not null)
                ObservabilityLog.AuditWriteFailed(_logger, ex);
            return false;
        }
    }

    internal static void WriteEvent(Utf8JsonWriter w, in AuditEvent e, bool showValues)
    {
        w.WriteStartObject();
        w.WriteString("time"u8, e.Time.UtcDateTime);
        w.WriteString("event"u8, ObservabilityNames.Of(e.Kind));
        switch (e.Kind)
        {
            case AuditEventKind.SignOn:
                WriteCapped(w, "user"u8, e.User, MaxNameChars);
                w.WriteString("client_address"u8, e.ClientAddress);
                w.WriteString("outcome"u8, ObservabilityNames.Of(e.SignOnResult));
                w.WriteString("reason"u8, e.Reason);
                if (e.SessionId is not null) w.WriteString("session"u8, e.SessionId);
                break;
            case AuditEventKind.TokenIssued:
                w.WriteString("user"u8, e.User);
                w.WriteString("client_address"u8, e.ClientAddress);
                w.WriteString("session"u8, e.SessionId);
                w.WriteString("expires_at"u8, e.ExpiresAt.UtcDateTime);
                break;
            case AuditEventKind.TokenRevoked:
                w.WriteString("user"u8, e.User);
                w.WriteString("client_address"u8, e.ClientAddress);
                w.WriteString("session"u8, e.SessionId);
                w.WriteString("reason"u8, e.Reason);
                break;
            case AuditEventKind.TokenExpired:
                w.WriteString("user"u8, e.User);
                w.WriteString("session"u8, e.SessionId);
                break;
            case AuditEventKind.OAuthGrant:
                w.WriteString("action"u8, e.Action);
                w.WriteString("user"u8, e.User);
                WriteCapped(w, "client_id"u8, e.ClientId, MaxValueChars);
                WriteCapped(w, "client_name"u8, e.ClientName, MaxValueChars);
                w.WriteString("client_address"u8, e.ClientAddress);
                w.WriteString("session"u8, e.SessionId);
                if (e.Reason is not null) w.WriteString("reason"u8, e.Reason);
                break;
            case AuditEventKind.ToolCall:
                WriteToolCall(w, e.Call, showValues);
                break;
            case AuditEventKind.Dropped:
                w.WriteNumber("count"u8, e.Count);
                w.WriteNumber("total"u8, e.Total);
                break;
        }
        w.WriteEndObject();
    }

    private static void WriteToolCall(Utf8JsonWriter w, in ToolCallAuditRecord r, bool showValues)
    {
        w.WriteString("user"u8, r.User);
        if (r.Identity is not null && !string.Equals(r.Identity, r.User, StringComparison.Ordinal))
            WriteCapped(w, "identity"u8, r.Identity, MaxNameChars);
        w.WriteString("client_address"u8, r.ClientAddress);
        WriteCapped(w, "mcp_client"u8, r.McpClient, MaxNameChars);
        w.WriteString("session"u8, r.SessionId);
        WriteCapped(w, "tool"u8, r.Tool, MaxNameChars);
        w.WriteStartArray("parameters"u8);
        if (r.Arguments is Dictionary<string, JsonElement> dictionary)
        {
            // The usual case (the MCP SDK's arguments): the struct enumerator boxes nothing.
            var n = 0;
            foreach (var (name, _) in dictionary)
            {
                if (n++ == MaxParameters) break;
                w.WriteStringValue(Cap(name, MaxNameChars));
            }
        }
        else if (r.Arguments is { } names)
        {
            var n = 0;
            foreach (var (name, _) in names)
            {
                if (n++ == MaxParameters) break;
                w.WriteStringValue(Cap(name, MaxNameChars));
            }
        }
        w.WriteEndArray();
        if (showValues && r.Arguments is { } values)
        {
            w.WriteStartObject("parameter_values"u8);
            var n = 0;
            foreach (var (name, value) in values)
            {
                if (n++ == MaxParameters) break;
                w.WritePropertyName(Cap(name, MaxNameChars));
                if (value.ValueKind == JsonValueKind.String)
                    w.WriteStringValue(Cap(value.GetString()!, MaxValueChars));
                else
                    value.WriteTo(w);
            }
            w.WriteEndObject();
        }
        w.WriteString("statement"u8, r.StatementId);
        w.WriteString("job"u8, r.Job);
        w.WriteNumber("rows"u8, r.Rows);
        w.WriteBoolean("truncated"u8, r.Truncated);
        w.WriteNumber("duration_ms"u8, Math.Round(r.Duration.TotalMilliseconds, 3));
        w.WriteString("outcome"u8, ObservabilityNames.Of(r.Outcome));
        w.WriteString("sql_state"u8, r.SqlState);
        if (r.Reason is not null) WriteCapped(w, "reason"u8, r.Reason, MaxValueChars);
    }

    private static ReadOnlySpan<char> Cap(string s, int max)
    {
        if (s.Length <= max) return s;
        // Never split a surrogate pair: the JSON writer rejects half a character.
        return s.AsSpan(0, char.IsHighSurrogate(s[max - 1]) ? max - 1 : max);
    }

    private static void WriteCapped(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value, int max)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, Cap(value, max));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _stopping = true;
        _wake.Release();
        // Bounded: a destination that hangs (a stuck NFS mount) must not hang shutdown.
        var finished = (_writer.ThreadState & ThreadState.Unstarted) != 0 || _writer.Join(TimeSpan.FromSeconds(5));
        if (finished)
        {
            try { _sink.Dispose(); }
            catch (IOException) { }
            _wake.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
