using System.Net.WebSockets;
using System.Text;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Mapepire;

/// <summary>The hand-written RFC 6455 upgrade under MapepireConnection: what it sends, what it accepts, what it refuses.</summary>
public sealed class WebSocketUpgradeTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";   // RFC 6455 §1.3's example

    private static string Head(string statusLine, params string[] headers) => statusLine + "\r\n" + string.Concat(headers.Select(h => h + "\r\n"));

    [Fact]
    public void The_accept_value_is_the_one_RFC_6455_gives_for_its_example_key()
        => Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Encoding.ASCII.GetString(WebSocketUpgrade.AcceptFor(Key)));

    [Fact]
    public void A_101_with_upgrade_connection_and_the_right_accept_passes_whatever_the_header_case()
    {
        WebSocketUpgrade.CheckResponse(Encoding.ASCII.GetBytes(Head("HTTP/1.1 101 Switching Protocols",
            "UPGRADE: WebSocket", "connection: keep-alive, Upgrade", "sec-websocket-accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")), Key);
    }

    [Theory]
    [InlineData("Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "Upgrade: websocket", "Connection: Upgrade")]
    [InlineData("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Upgrade: h2c", "Connection: Upgrade")]
    [InlineData("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "Upgrade: websocket", "Connection: close")]
    [InlineData("X-Other: 1", "Upgrade: websocket", "Connection: Upgrade")]
    public void A_101_missing_a_part_of_the_handshake_is_refused(string a, string b, string c)
    {
        var ex = Assert.Throws<WebSocketUpgrade.RefusedException>(() =>
            WebSocketUpgrade.CheckResponse(Encoding.ASCII.GetBytes(Head("HTTP/1.1 101 Switching Protocols", a, b, c)), Key));
        Assert.Equal(101, ex.StatusCode);
    }

    [Theory]
    [InlineData("HTTP/1.1 401 Unauthorized", 401)]
    [InlineData("HTTP/1.0 503 Service Unavailable", 503)]
    [InlineData("SSH-2.0-OpenSSH_9.2", 0)]
    [InlineData("HTTP/1.1 1O1 Switching", 0)]
    public void Other_answers_carry_their_status_or_0_when_not_HTTP(string statusLine, int status)
    {
        var ex = Assert.Throws<WebSocketUpgrade.RefusedException>(() => WebSocketUpgrade.CheckResponse(Encoding.ASCII.GetBytes(Head(statusLine)), Key));
        Assert.Equal(status, ex.StatusCode);
    }

    [Fact]
    public void The_request_names_the_host_and_port_and_carries_basic_credentials()
    {
        using var credentials = new MapepireCredentials("alice", "pässword");
        var head = new byte[2048];
        var n = WebSocketUpgrade.WriteRequest(head, new MapepireEndpoint("::1", 8076, MapepireTlsPolicy.Plain), credentials, Key);
        var text = Encoding.ASCII.GetString(head, 0, n);
        Assert.StartsWith("GET /db/ HTTP/1.1\r\nHost: [::1]:8076\r\n", text);
        Assert.Contains("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Key + "\r\n", text);
        Assert.Contains("\r\nAuthorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ALICE:pässword")) + "\r\n\r\n", text);
        Assert.EndsWith("\r\n\r\n", text);
        n = WebSocketUpgrade.WriteRequest(head, new MapepireEndpoint("bücher.example", 8076, MapepireTlsPolicy.Plain), credentials, Key);
        Assert.Contains("\r\nHost: xn--bcher-kva.example:8076\r\n", Encoding.ASCII.GetString(head, 0, n));
    }

    [Fact]
    public async Task A_frame_that_arrives_with_the_upgrade_response_is_not_lost()
    {
        await using var server = FakeMapepireServer.Start(_ => Task.Delay(Timeout.Infinite));
        server.UpgradeResponse = key =>
        {
            var head = Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {FakeMapepireServer.Accept(key)}\r\n\r\n");
            var frame = new byte[] { 0x81, 5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' };   // unmasked text frame "hello"
            return [.. head, .. frame];
        };
        using var credentials = new MapepireCredentials("MCPUSER", "mcppass1");
        using var ws = await WebSocketUpgrade.ConnectAsync(new MapepireEndpoint("127.0.0.1", server.Port, MapepireTlsPolicy.Plain), credentials,
            null, TimeSpan.Zero, CancellationToken.None);
        var buffer = new byte[16];
        var frameRead = await ws.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketMessageType.Text, frameRead.MessageType);
        Assert.Equal("hello", Encoding.ASCII.GetString(buffer, 0, frameRead.Count));
    }

    [Fact]
    public async Task An_upgrade_answered_with_a_wrong_accept_is_a_protocol_failure()
    {
        await using var server = FakeMapepireServer.Start(_ => Task.CompletedTask);
        server.UpgradeResponse = _ => Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n");
        var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnectionTests.OpenAsync(server.Port));
        Assert.Equal(MapepireFailure.Protocol, ex.Failure);
        Assert.Contains("Sec-WebSocket-Accept", ex.Message);
    }

    [Fact]
    public async Task An_upgrade_answered_with_503_is_unreachable_and_a_server_that_hangs_up_is_unreachable()
    {
        await using (var server = FakeMapepireServer.Start(_ => Task.CompletedTask, upgradeStatus: 503))
        {
            var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnectionTests.OpenAsync(server.Port));
            Assert.Equal(MapepireFailure.Unreachable, ex.Failure);
            Assert.Contains("503", ex.Message);
        }
        await using (var server = FakeMapepireServer.Start(_ => Task.CompletedTask))
        {
            server.UpgradeResponse = _ => [];
            var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnectionTests.OpenAsync(server.Port));
            Assert.Equal(MapepireFailure.Unreachable, ex.Failure);
            Assert.Contains("closed the connection before answering", ex.Message);
        }
    }

    [Fact]
    public async Task A_tls_endpoint_that_speaks_plain_HTTP_is_a_tls_failure()
    {
        // A web server on the port: it answers the ClientHello with an HTTP error and hangs up.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        });
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnectionTests.OpenAsync(port, tls: MapepireTlsPolicy.Ignore));
        Assert.Equal(MapepireFailure.Tls, ex.Failure);
        await serving;
    }
}
