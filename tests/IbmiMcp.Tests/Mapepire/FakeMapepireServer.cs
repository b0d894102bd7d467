using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace IbmiMcp.Tests.Mapepire;

/// <summary>
/// A scripted Mapepire server on loopback: raw TCP (optionally TLS), a hand-written upgrade, then a server-side
/// WebSocket the test script drives frame by frame. Used for edge cases the emulator should not have to fake.
/// </summary>
internal sealed class FakeMapepireServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<FakeSession, Task> _script;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<FakeSession> _sessions = [];
    private readonly Task _acceptLoop;

    private FakeMapepireServer(Func<FakeSession, Task> script, X509Certificate2? certificate, int upgradeStatus)
    {
        _script = script; _certificate = certificate; UpgradeStatus = upgradeStatus;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public static FakeMapepireServer Start(Func<FakeSession, Task> script, X509Certificate2? certificate = null, int upgradeStatus = 101) =>
        new(script, certificate, upgradeStatus);

    /// <summary>A server that answers connect, then every other request through <paramref name="reply"/> (null = no answer).</summary>
    public static FakeMapepireServer Responding(Func<JsonElement, string?> reply, X509Certificate2? certificate = null) =>
        Start(session => session.ServeAsync(reply), certificate);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public int UpgradeStatus { get; set; }
    /// <summary>Intermediate CA certificates the TLS server sends after its own (set before the first connection).</summary>
    public X509Certificate2Collection? Intermediates { get; set; }
    /// <summary>When set, the bytes sent instead of the upgrade response (given the client's key); the session goes on
    /// as a WebSocket only if they start with a 101 status line.</summary>
    public Func<string, byte[]>? UpgradeResponse { get; set; }
    public int Accepted;
    public List<string?> AuthorizationHeaders { get; } = [];
    public IReadOnlyList<FakeSession> Sessions { get { lock (_sessions) return [.. _sessions]; } }
    public int OpenSessions { get { lock (_sessions) return _sessions.Count(s => !s.Closed); } }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch { return; }
            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        Interlocked.Increment(ref Accepted);
        Stream stream = client.GetStream();
        try
        {
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream);
                // offline: the server sends what it has and never fetches its own issuer from the address a test certificate names.
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(_certificate, Intermediates, offline: true),
                });
                stream = ssl;
            }
            var headers = await ReadHeadersAsync(stream);
            string? auth = null, key = null;
            foreach (var line in headers.Split("\r\n"))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0) continue;
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)) auth = value;
                if (name.Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase)) key = value;
            }
            lock (AuthorizationHeaders) AuthorizationHeaders.Add(auth);
            if (UpgradeResponse is { } custom)
            {
                var bytes = custom(key ?? "");
                await stream.WriteAsync(bytes);
                if (!Encoding.ASCII.GetString(bytes).StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
                {
                    client.Dispose();
                    return;
                }
            }
            else if (UpgradeStatus != 101)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {UpgradeStatus} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                client.Dispose();
                return;
            }
            else
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept(key)}\r\n\r\n"));
            }
            var ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            var session = new FakeSession(ws, client, auth);
            lock (_sessions) _sessions.Add(session);
            try { await _script(session); }
            catch { /* a script ends however it likes */ }
            finally { session.Close(); }
        }
        catch
        {
            client.Dispose();
        }
    }

    /// <summary>The Sec-WebSocket-Accept value for a client's key (RFC 6455 §4.2.2).</summary>
    public static string Accept(string? key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    private static async Task<string> ReadHeadersAsync(Stream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0) throw new IOException("eof");
            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
                return Encoding.ASCII.GetString(buffer.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var s in Sessions) s.Close();
        try { await _acceptLoop; } catch { }
    }

    /// <summary>Self-signed certificate with SAN localhost/127.0.0.1, like the emulator's and what clients expect (spec §1.3).</summary>
    public static X509Certificate2 CreateCertificate(string cn = "localhost", DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}, OU=Web Socket Server, O=Db2 for IBM i", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(cn);
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var until = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        using var cert = request.CreateSelfSigned(until.AddDays(-31), until);
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }
    /// <summary>
    /// A certificate for localhost signed by <paramref name="issuer"/> (a CA from <see cref="CreateCa"/>), with these
    /// extended key usages (none given: TLS server) and, when given, an AIA address where its issuer could be fetched.
    /// </summary>
    public static X509Certificate2 CreateSignedBy(X509Certificate2 issuer, string[]? usages = null, string? caIssuersUrl = null,
        DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, OU=Web Socket Server, O=Db2 for IBM i", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var oids = new OidCollection();
        foreach (var usage in usages ?? ["1.3.6.1.5.5.7.3.1"]) oids.Add(new Oid(usage));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        if (caIssuersUrl is not null)
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [caIssuersUrl]));
        var until = notAfter ?? DateTimeOffset.UtcNow.AddDays(29);
        // Inside the issuer's dates (CreateCa: from two days ago), also for an already expired certificate.
        var from = notAfter is null ? DateTimeOffset.UtcNow.AddDays(-1) : until.AddHours(-12);
        using var cert = request.Create(issuer, from, until, RandomNumberGenerator.GetBytes(8));
        using var withKey = cert.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A private CA (with its key, to sign with <see cref="CreateSignedBy"/>): a root, or an intermediate of <paramref name="issuer"/>.</summary>
    public static X509Certificate2 CreateCa(string name = "ibmi-mcp test CA", X509Certificate2? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, issuer is null, issuer is null ? 1 : 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // Whole days apart, so that a certificate made a moment later never outlives its issuer (dates are in seconds):
        // a root to 32 days from now, an intermediate to 31, a server certificate (CreateSignedBy) to 29.
        var from = DateTimeOffset.UtcNow.AddDays(-2);
        using var ca = issuer is null
            ? request.CreateSelfSigned(from, from.AddDays(34))
            : request.Create(issuer, from, from.AddDays(33), RandomNumberGenerator.GetBytes(8)).CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(ca.Export(X509ContentType.Pfx), null);
    }
}

internal sealed class FakeSession(WebSocket socket, TcpClient client, string? authorization)
{
    private readonly SemaphoreSlim _send = new(1, 1);
    public WebSocket Socket { get; } = socket;
    public string? Authorization { get; } = authorization;
    public bool Closed { get; private set; }
    public List<string> Received { get; } = [];

    /// <summary>The next request as a JSON document, or null when the client closed.</summary>
    public async Task<JsonDocument?> ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        var ms = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult r;
            try { r = await Socket.ReceiveAsync(buffer, CancellationToken.None); }
            catch { return null; }
            if (r.MessageType == WebSocketMessageType.Close) return null;
            ms.Write(buffer, 0, r.Count);
            if (r.EndOfMessage) break;
        }
        var text = Encoding.UTF8.GetString(ms.ToArray());
        lock (Received) Received.Add(text);
        return JsonDocument.Parse(text);
    }

    /// <summary>Sends one message, optionally as binary and/or split into fragments of <paramref name="fragment"/> bytes.</summary>
    public async Task SendAsync(string json, WebSocketMessageType type = WebSocketMessageType.Text, int fragment = 0)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        await _send.WaitAsync();
        try
        {
            if (fragment <= 0) { await Socket.SendAsync(bytes, type, true, CancellationToken.None); return; }
            for (var i = 0; i < bytes.Length; i += fragment)
            {
                var n = Math.Min(fragment, bytes.Length - i);
                await Socket.SendAsync(bytes.AsMemory(i, n), type, i + n >= bytes.Length, CancellationToken.None);
            }
        }
        finally { _send.Release(); }
    }

    public static string Id(JsonDocument request) => request.RootElement.GetProperty("id").GetString()!;
    public static string Type(JsonDocument request) => request.RootElement.GetProperty("type").GetString()!;

    public Task ReplyConnectAsync(JsonDocument request, string job = "123456/QUSER/QZDASOINIT") =>
        SendAsync($$"""{"id":"{{Id(request)}}","job":"{{job}}","success":true,"execution_time":1}""" + "\n\n");

    /// <summary>Answers connect, then each request through <paramref name="reply"/> in arrival order.</summary>
    public async Task ServeAsync(Func<JsonElement, string?> reply)
    {
        while (await ReceiveAsync() is { } request)
        {
            using (request)
            {
                if (Type(request) == "connect") { await ReplyConnectAsync(request); continue; }
                if (reply(request.RootElement) is { } text) await SendAsync(text);
            }
        }
    }

    public void Close()
    {
        Closed = true;
        try { Socket.Abort(); } catch { }
        client.Dispose();
    }
}
