using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using IbmiMcp.Emulator.Sql;

namespace IbmiMcp.Emulator.Protocol;

/// <summary>
/// One WebSocket: reads one JSON request per text frame and answers like mapepire-server — one task per request
/// (so replies may come back out of order) except the forced-synchronous types connect, cl, dove and gettracedata.
/// </summary>
internal sealed partial class MapepireSession
{
    private static int _unparseable;
    private static int _incomplete;

    private readonly WebSocket _ws;
    private readonly EmulatorHost _host;
    private readonly string _user;
    private readonly string _password;
    private readonly string _clientIp;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, CursorHandle> _handles = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _aborted = new();
    private volatile Db2Job? _job;
    private int _requests;
    private int _inFlight;

    public MapepireSession(WebSocket ws, EmulatorHost host, string user, string password, string clientIp)
    {
        _ws = ws;
        _host = host;
        _user = user;
        _password = password;
        _clientIp = clientIp;
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _aborted.Token);
        var ct = linked.Token;
        var buffer = new ArrayBufferWriter<byte>(8192);
        int max = _host.Options.MaxMessageBytes;
        try
        {
            while (_ws.State == WebSocketState.Open && !ct.IsCancellationRequested)
            {
                buffer.ResetWrittenCount();
                ValueWebSocketReceiveResult r;
                bool tooBig = false;
                do
                {
                    var mem = buffer.GetMemory(16384);
                    r = await _ws.ReceiveAsync(mem, ct).ConfigureAwait(false);
                    buffer.Advance(r.Count);
                    if (buffer.WrittenCount > max) { tooBig = true; break; }
                } while (!r.EndOfMessage);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    break;
                }
                if (tooBig)
                {
                    // Jetty closes with 1009 when a message exceeds maxTextMessageSize.
                    await _ws.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, $"Text message size [{buffer.WrittenCount}] exceeds maximum size [{max}]", CancellationToken.None).ConfigureAwait(false);
                    break;
                }
                if (r.MessageType != WebSocketMessageType.Text) continue; // the server has no binary handler
                string text = Encoding.UTF8.GetString(buffer.WrittenSpan);
                await DispatchAsync(text, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
        catch (IOException) { }
        catch (Exception ex)
        {
            // Whatever a client sends, the emulator keeps running; this socket just ends.
            _host.LogError(ex);
            Abort();
        }
        finally
        {
            await EndJobAsync().ConfigureAwait(false);
        }
    }

    private void Abort()
    {
        try { _ws.Abort(); } catch { }
        _aborted.Cancel();
    }

    private async Task DispatchAsync(string text, CancellationToken ct)
    {
        var faults = _host.Options.Faults;
        int n = Interlocked.Increment(ref _requests);
        int dropAfter = faults.DropAfterRequests;
        if ((dropAfter > 0 && n > dropAfter) || faults.RollDrop())
        {
            Abort();
            return;
        }

        JsonDocument? doc = null;
        try { doc = JsonDocument.Parse(text); } catch (JsonException) { }
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc?.Dispose();
            var rep = new Reply("unparseable_" + Interlocked.Increment(ref _unparseable))
                .Set("unparseable", text).Set("error", $"Non-parseable request: '{text}'").Set("success", false).Set("execution_time", 0L);
            await SendAsync(rep, null).ConfigureAwait(false);
            return;
        }
        var root = doc.RootElement;
        string? id = root.TryGetProperty("id", out var idEl) ? AsString(idEl) : null;
        string? type = root.TryGetProperty("type", out var typeEl) ? AsString(typeEl) : null;
        if (id is null || type is null)
        {
            doc.Dispose();
            var rep = new Reply("incomplete_" + Interlocked.Increment(ref _incomplete))
                .Set("incomplete", text).Set("error", $"Request is missing required fields (most likely 'id' or 'type'): '{text}'").Set("success", false).Set("execution_time", 0L);
            await SendAsync(rep, null).ConfigureAwait(false);
            return;
        }
        bool sync = type is "connect" or "cl" or "dove" or "gettracedata";
        if (sync)
        {
            await HandleAsync(doc, id, type, ct).ConfigureAwait(false);
        }
        else
        {
            _ = Task.Run(() => HandleAsync(doc, id, type, ct), CancellationToken.None);
        }
    }

    /// <summary>Gson getAsString: strings as-is, numbers and booleans as their text; anything else is unusable.</summary>
    internal static string? AsString(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private async Task HandleAsync(JsonDocument doc, string id, string type, CancellationToken ct)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            using (doc)
            {
                var faults = _host.Options.Faults;
                int latency = faults.LatencyMs;
                if (latency > 0) await Task.Delay(latency, ct).ConfigureAwait(false);
                var sw = Stopwatch.StartNew();
                var reply = new Reply(id);
                try
                {
                    await ProcessAsync(doc.RootElement, id, type, reply).ConfigureAwait(false);
                    reply.Set("success", true);
                }
                catch (Db2SqlException ex)
                {
                    reply.Set("error", ex.Message).Set("success", false).Set("sql_state", ex.SqlState).Set("sql_rc", ex.SqlCode);
                }
                catch (ProtocolException ex)
                {
                    reply.Set("error", ex.Message).Set("success", false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _host.LogError(ex);
                    reply.Set("error", $"Internal Error: {ex.GetType().Name}: {ex.Message}").Set("success", false);
                }
                reply.Set("execution_time", sw.ElapsedMilliseconds);
                await SendAsync(reply, type).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task SendAsync(Reply reply, string? type)
    {
        var faults = _host.Options.Faults;
        int stall = faults.StallMs;
        if (stall != 0 && (faults.StallRequestType is null || faults.StallRequestType == type))
        {
            if (stall < 0) return; // never answered
            await Task.Delay(stall, _aborted.Token).ConfigureAwait(false);
        }
        var buf = new ArrayBufferWriter<byte>(512);
        reply.WriteTo(buf);
        await _sendLock.WaitAsync(_aborted.Token).ConfigureAwait(false);
        try
        {
            if (_ws.State == WebSocketState.Open)
                await _ws.SendAsync(buf.WrittenMemory, WebSocketMessageType.Text, true, _aborted.Token).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task EndJobAsync()
    {
        var job = Interlocked.Exchange(ref _job, null);
        if (job is null) return;
        await job.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var h in _handles.Values) h.Cursor?.Dispose();
            _handles.Clear();
        }
        finally
        {
            job.Gate.Release();
        }
        _host.Registry.Remove(job);
        job.Dispose();
    }
}
