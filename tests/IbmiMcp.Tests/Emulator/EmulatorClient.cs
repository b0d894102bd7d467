using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using IbmiMcp.Emulator;

namespace IbmiMcp.Tests.Emulator;

/// <summary>
/// A minimal Mapepire client for emulator tests: real TLS WebSocket with the emulator's certificate pinned,
/// replies correlated by id so several requests can be in flight.
/// </summary>
internal sealed class EmulatorClient : IAsyncDisposable
{
    private readonly ClientWebSocket _ws;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentQueue<string> _rawFrames = new();
    private readonly SemaphoreSlim _frameSignal = new(0);
    private readonly Task _reader;
    private int _next;

    private EmulatorClient(ClientWebSocket ws)
    {
        _ws = ws;
        _reader = Task.Run(ReadLoop);
    }

    public WebSocketState State => _ws.State;
    public WebSocketCloseStatus? CloseStatus => _ws.CloseStatus;
    public Task Closed => _reader;

    public static ClientWebSocket CreateSocket(EmulatorHost host, string? authorization)
    {
        var ws = new ClientWebSocket();
        if (authorization is not null) ws.Options.SetRequestHeader("Authorization", authorization);
        byte[] pinned = host.CertificateDer;
        ws.Options.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetRawCertData().AsSpan().SequenceEqual(pinned);
        return ws;
    }

    public static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

    public static async Task<EmulatorClient> OpenAsync(EmulatorHost host, string user = "MCPUSER", string password = "mcppass1", string path = "/db/")
    {
        var ws = CreateSocket(host, Basic(user, password));
        var uri = new Uri($"wss://localhost:{host.Port}{path}");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ws.ConnectAsync(uri, cts.Token);
        return new EmulatorClient(ws);
    }

    /// <summary>Opens a socket and sends connect; throws when the connect reply is not successful.</summary>
    public static async Task<(EmulatorClient Client, string Job)> ConnectAsync(EmulatorHost host, string user = "MCPUSER", string password = "mcppass1", string? application = null)
    {
        var c = await OpenAsync(host, user, password);
        var r = await c.RequestAsync(application is null ? new { id = "c0", type = "connect", technique = "tcp" } : new { id = "c0", type = "connect", technique = "tcp", application });
        if (!r.GetProperty("success").GetBoolean()) throw new InvalidOperationException(r.GetProperty("error").GetString());
        return (c, r.GetProperty("job").GetString()!);
    }

    private async Task ReadLoop()
    {
        var buf = new byte[1 << 16];
        var ms = new MemoryStream();
        try
        {
            while (_ws.State == WebSocketState.Open)
            {
                ms.SetLength(0);
                WebSocketReceiveResult r;
                do
                {
                    r = await _ws.ReceiveAsync(buf, CancellationToken.None);
                    ms.Write(buf, 0, r.Count);
                } while (!r.EndOfMessage);
                if (r.MessageType == WebSocketMessageType.Close) break;
                string text = Encoding.UTF8.GetString(ms.ToArray());
                _rawFrames.Enqueue(text);
                _frameSignal.Release();
                using var doc = JsonDocument.Parse(text);
                string id = doc.RootElement.GetProperty("id").GetString()!;
                if (_pending.TryRemove(id, out var tcs)) tcs.TrySetResult(doc.RootElement.Clone());
            }
        }
        catch (WebSocketException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            foreach (var p in _pending) p.Value.TrySetException(new WebSocketException("socket closed"));
            _frameSignal.Release(1000);
        }
    }

    public string NextId(string prefix = "r") => prefix + Interlocked.Increment(ref _next);

    public Task<JsonElement> RequestAsync(object request) => RequestRawAsync(JsonSerializer.Serialize(request));

    /// <summary>Sends a request (JSON text with a string "id") and waits for the reply with that id.</summary>
    public async Task<JsonElement> RequestRawAsync(string json, string? expectId = null)
    {
        string id = expectId ?? JsonDocument.Parse(json).RootElement.GetProperty("id").ToString();
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        await SendTextAsync(json);
        return await tcs.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Registers interest in a reply id without sending (for frames the test sends raw).</summary>
    public Task<JsonElement> Expect(string id)
    {
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        return tcs.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public async Task SendTextAsync(string text)
    {
        await _sendLock.WaitAsync();
        try { await _ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None); }
        finally { _sendLock.Release(); }
    }

    public async Task SendBinaryAsync(byte[] data)
    {
        await _sendLock.WaitAsync();
        try { await _ws.SendAsync(data, WebSocketMessageType.Binary, true, CancellationToken.None); }
        finally { _sendLock.Release(); }
    }

    /// <summary>The next raw frame text in arrival order.</summary>
    public async Task<string?> NextFrameAsync()
    {
        if (!await _frameSignal.WaitAsync(TimeSpan.FromSeconds(30))) throw new TimeoutException("no frame");
        return _rawFrames.TryDequeue(out var f) ? f : null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_ws.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
        }
        catch (WebSocketException) { }
        catch (OperationCanceledException) { }
        _ws.Dispose();
        try { await _reader.WaitAsync(TimeSpan.FromSeconds(5)); } catch { }
    }
}
