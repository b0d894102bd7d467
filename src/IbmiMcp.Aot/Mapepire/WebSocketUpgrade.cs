using System.Buffers;
using System.Buffers.Text;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;

namespace IbmiMcp.Mapepire;

/// <summary>
/// Opens the Mapepire WebSocket: TCP connect, TLS under the pool's <see cref="MapepireTlsPolicy"/>, the RFC 6455 §4.1
/// upgrade request with Basic auth, then the framework's <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>
/// for the framing. It replaces <c>ClientWebSocket</c>, whose upgrade runs through a whole <c>SocketsHttpHandler</c>
/// (connection pool, header collections, a request and response message per socket); without it a sign-on costs
/// 0.2–0.4 ms less server CPU (bench/RESULTS.md, issue 28).
/// The Basic header is written into a pooled buffer and zeroed after the send, so the password never becomes a string.
/// </summary>
internal static class WebSocketUpgrade
{
    private const int MaxResponseHead = 8 * 1024;
    private static readonly List<SslApplicationProtocol> s_http11 = [SslApplicationProtocol.Http11];

    /// <summary>The upgrade was answered with something other than 101 (<see cref="StatusCode"/> 0: not HTTP at all).</summary>
    internal sealed class RefusedException(int statusCode, string message) : IOException(message)
    {
        public int StatusCode { get; } = statusCode;
    }

    /// <summary>
    /// Connects and upgrades. Socket, TLS and upgrade failures surface as <see cref="SocketException"/>,
    /// <see cref="System.Security.Authentication.AuthenticationException"/>, <see cref="RefusedException"/> or
    /// <see cref="IOException"/>; the caller maps them to a <see cref="MapepireFailure"/>.
    /// </summary>
    public static async Task<WebSocket> ConnectAsync(MapepireEndpoint endpoint, MapepireCredentials credentials,
        RemoteCertificateValidationCallback? validate, TimeSpan keepAlive, CancellationToken ct)
    {
        // The request is written before the first await: callers may dispose the credentials once this returns a task.
        var key = NewKey();
        var head = ArrayPool<byte>.Shared.Rent(1024 + 2 * credentials.MaxBasicTokenLength);
        var headLength = 0;
        Stream? stream = null;
        try
        {
            headLength = WriteRequest(head, endpoint, credentials, key);
            stream = await ConnectStreamAsync(endpoint, validate, ct).ConfigureAwait(false);
            await stream.WriteAsync(head.AsMemory(0, headLength), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
            CryptographicOperations.ZeroMemory(head.AsSpan(0, headLength));
            headLength = 0;
            var leftover = await ReadResponseAsync(stream, key, ct).ConfigureAwait(false);
            if (leftover.Length > 0) stream = new PrefixedStream(leftover, stream);
            return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = keepAlive });
        }
        catch
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(head.AsSpan(0, headLength));
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    private static string NewKey()
    {
        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        return Convert.ToBase64String(nonce);
    }

    /// <summary>TCP, then TLS unless the endpoint is plain.</summary>
    private static async Task<Stream> ConnectStreamAsync(MapepireEndpoint endpoint, RemoteCertificateValidationCallback? validate, CancellationToken ct)
    {
        // TcpClient tries each address the name resolves to (localhost: ::1, then 127.0.0.1) on a fresh socket.
        var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(endpoint.Host, endpoint.Port, ct).ConfigureAwait(false);
            tcp.NoDelay = true;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
        Stream stream = tcp.GetStream();   // owns the socket from here on
        if (endpoint.Tls.Mode == MapepireTlsMode.Plain) return stream;
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            // Plain options (a target host, no client certificate): .NET then reuses its OpenSSL client context and
            // resumes TLS sessions, 0.7-0.9 ms of CPU per connection (measured against
            // DOTNET_SYSTEM_NET_SECURITY_DISABLETLSRESUME=1, bench/RESULTS.md issue 28). Check that figure before adding options.
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = endpoint.Host,
                ApplicationProtocols = s_http11,
                CertificateChainPolicy = endpoint.Tls.ChainPolicy(),
                RemoteCertificateValidationCallback = validate,
            }, ct).ConfigureAwait(false);
            return ssl;
        }
        catch (IOException ex)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            // The peer hung up mid-handshake (e.g. a plain-HTTP port): a TLS failure, not an unreachable host.
            throw new AuthenticationException($"the connection closed during the TLS handshake: {ex.Message}", ex);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal static int WriteRequest(Span<byte> head, MapepireEndpoint endpoint, MapepireCredentials credentials, string key)
    {
        var at = 0;
        Append(head, ref at, "GET /db/ HTTP/1.1\r\nHost: "u8);
        at += Encoding.ASCII.GetBytes(HostHeader(endpoint), head[at..]);
        Append(head, ref at, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "u8);
        at += Encoding.ASCII.GetBytes(key, head[at..]);
        Append(head, ref at, "\r\nAuthorization: Basic "u8);
        at += credentials.WriteBasicToken(head[at..]);
        Append(head, ref at, "\r\n\r\n"u8);
        return at;
    }

    /// <summary>host:port as RFC 7230 §5.4 wants it: IPv6 literals in brackets, international names in punycode.</summary>
    private static string HostHeader(MapepireEndpoint endpoint)
    {
        var uri = endpoint.Uri;
        return uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]:{uri.Port}" : $"{uri.IdnHost}:{uri.Port}";
    }

    private static void Append(Span<byte> head, ref int at, ReadOnlySpan<byte> text)
    {
        text.CopyTo(head[at..]);
        at += text.Length;
    }

    /// <summary>Reads the response head; returns any bytes read past it (the start of the first frame).</summary>
    private static async Task<byte[]> ReadResponseAsync(Stream stream, string key, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        var length = 0;
        try
        {
            int end;
            while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == buffer.Length)
                {
                    if (length >= MaxResponseHead) throw new RefusedException(0, $"the upgrade response head exceeded {MaxResponseHead} bytes");
                    var bigger = ArrayPool<byte>.Shared.Rent(length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                if (read == 0)
                    throw new IOException(length == 0 ? "the server closed the connection before answering the WebSocket upgrade"
                        : "the server closed the connection in the middle of the upgrade response");
                length += read;
            }
            CheckResponse(buffer.AsSpan(0, end + 2), key);
            return buffer.AsSpan(end + 4, length - end - 4).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Status 101, <c>Upgrade: websocket</c>, <c>Connection: upgrade</c> and the accept value for our key (RFC 6455 §4.1).</summary>
    internal static void CheckResponse(ReadOnlySpan<byte> head, string key)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = head[..lineEnd];
        if (!statusLine.StartsWith("HTTP/1."u8) || statusLine.Length < 12 || statusLine[8] != (byte)' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3)
            throw new RefusedException(0, "the answer to the WebSocket upgrade is not HTTP");
        if (status != 101)
            throw new RefusedException(status, $"the server answered the WebSocket upgrade with HTTP {status}");

        bool upgrade = false, connection = false, accepted = false;
        var expected = AcceptFor(key);
        for (var rest = head[(lineEnd + 2)..]; !rest.IsEmpty;)
        {
            var next = rest.IndexOf("\r\n"u8);
            var line = next < 0 ? rest : rest[..next];
            rest = next < 0 ? default : rest[(next + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "upgrade"u8)) upgrade = Ascii.EqualsIgnoreCase(value, "websocket"u8);
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8)) connection = ContainsToken(value, "upgrade"u8);
            else if (Ascii.EqualsIgnoreCase(name, "sec-websocket-accept"u8)) accepted = value.SequenceEqual(expected);
        }
        if (!upgrade || !connection || !accepted)
            throw new RefusedException(101, "the server's WebSocket upgrade response is invalid (missing Upgrade, Connection or a matching Sec-WebSocket-Accept)");
    }

    internal static byte[] AcceptFor(string key)
    {
        Span<byte> input = stackalloc byte[64];
        var n = Encoding.ASCII.GetBytes(key, input);
        n += Encoding.ASCII.GetBytes("258EAFA5-E914-47DA-95CA-C5AB0DC85B11", input[n..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input[..n], hash);
        var accept = new byte[28];
        Base64.EncodeToUtf8(hash, accept, out _, out _);
        return accept;
    }

    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token)) return true;
        return false;
    }

    /// <summary>Serves bytes read past the upgrade response before the rest of the stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _offset;

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset < prefix.Length) return TakePrefix(buffer);
            return inner.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => _offset < prefix.Length ? ValueTask.FromResult(TakePrefix(buffer.Span)) : inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int TakePrefix(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, prefix.Length - _offset);
            prefix.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
