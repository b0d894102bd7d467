using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Mapepire;

public sealed class MapepireConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    internal static Task<MapepireConnection> OpenAsync(int port, string user = "MCPUSER", string password = "mcppass1",
        MapepireTlsPolicy? tls = null, JdbcOptions? jdbc = null, string host = "127.0.0.1")
    {
        using var credentials = new MapepireCredentials(user, password);
        return MapepireConnection.OpenAsync(new MapepireEndpoint(host, port, tls ?? MapepireTlsPolicy.Plain), credentials,
            jdbc ?? JdbcOptions.Empty, "ibmi-mcp-tests", Timeout, null, CancellationToken.None);
    }

    [Fact]
    public async Task Connect_sends_basic_auth_and_the_connect_message_then_reports_the_job()
    {
        await using var server = FakeMapepireServer.Responding(_ => null);
        var jdbc = JdbcOptions.Parse("naming=system;libraries=SAMPLE, QIWS");
        await using var connection = await OpenAsync(server.Port, "alice", "alice123", jdbc: jdbc);

        Assert.Equal("123456/QUSER/QZDASOINIT", connection.Job);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ALICE:alice123")), server.AuthorizationHeaders.Single());
        using var connect = JsonDocument.Parse(server.Sessions.Single().Received[0]);
        Assert.Equal("connect", connect.RootElement.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.String, connect.RootElement.GetProperty("id").ValueKind);
        Assert.Equal("tcp", connect.RootElement.GetProperty("technique").GetString());
        Assert.Equal("ibmi-mcp-tests", connect.RootElement.GetProperty("application").GetString());
        Assert.Equal("naming=system;libraries=SAMPLE,QIWS", connect.RootElement.GetProperty("props").GetString());
    }

    [Fact]
    public async Task Replies_arriving_out_of_order_complete_the_requests_they_belong_to()
    {
        await using var server = FakeMapepireServer.Start(async session =>
        {
            using var connect = (await session.ReceiveAsync())!;
            await session.ReplyConnectAsync(connect);
            var held = new List<JsonDocument>();
            for (var i = 0; i < 3; i++) held.Add((await session.ReceiveAsync())!);
            held.Reverse(); // answer last first
            foreach (var request in held)
            {
                var sql = request.RootElement.GetProperty("sql").GetString();
                await session.SendAsync($$"""{"id":"{{FakeSession.Id(request)}}","has_results":true,"update_count":-1,"metadata":{"column_count":1,"job":"J","columns":[{"name":"S","type":"VARCHAR","display_size":9,"label":"S"}]},"data":[["{{sql}}"]],"is_done":true,"success":true,"execution_time":0}""");
            }
            await session.ReceiveAsync();
        });
        await using var connection = await OpenAsync(server.Port);

        var a = connection.SqlAsync("A", 10, CancellationToken.None);
        var b = connection.SqlAsync("B", 10, CancellationToken.None);
        var c = connection.SqlAsync("C", 10, CancellationToken.None);
        foreach (var (task, expected) in new[] { (a, "A"), (b, "B"), (c, "C") })
        {
            using var reply = await task.WaitAsync(Timeout);
            Assert.Equal(expected, reply.Root.GetProperty("data")[0][0].GetString());
        }
    }

    [Fact]
    public async Task Binary_and_fragmented_replies_with_trailing_newlines_are_reassembled()
    {
        await using var server = FakeMapepireServer.Start(async session =>
        {
            using var connect = (await session.ReceiveAsync())!;
            await session.ReplyConnectAsync(connect);
            using var first = (await session.ReceiveAsync())!;
            await session.SendAsync($$"""{"id":"{{FakeSession.Id(first)}}","alive":true,"db_alive":true,"success":true,"execution_time":0}""" + "\n",
                WebSocketMessageType.Binary);
            using var second = (await session.ReceiveAsync())!;
            var big = new string('x', 50_000);
            await session.SendAsync($$"""{"id":"{{FakeSession.Id(second)}}","build_date":"{{big}}","version":"2.3.3","success":true,"execution_time":0}""" + "\n\n",
                fragment: 7_000);
            await session.ReceiveAsync();
        });
        await using var connection = await OpenAsync(server.Port);

        using (var ping = await connection.PingAsync(CancellationToken.None).WaitAsync(Timeout))
            Assert.True(ping.Success);
        using var version = await connection.GetVersionAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal("2.3.3", version.Root.GetProperty("version").GetString());
        Assert.Equal(50_000, version.Root.GetProperty("build_date").GetString()!.Length);
    }

    [Fact]
    public async Task A_socket_closed_by_the_server_fails_every_pending_request_with_ConnectionLost()
    {
        await using var server = FakeMapepireServer.Start(async session =>
        {
            using var connect = (await session.ReceiveAsync())!;
            await session.ReplyConnectAsync(connect);
            (await session.ReceiveAsync())!.Dispose();
            (await session.ReceiveAsync())!.Dispose();
            session.Close();
        });
        await using var connection = await OpenAsync(server.Port);

        var a = connection.SqlAsync("select 1 from sysibm.sysdummy1", 1, CancellationToken.None);
        var b = connection.PingAsync(CancellationToken.None);
        Assert.Equal(MapepireFailure.ConnectionLost, (await Assert.ThrowsAsync<MapepireException>(() => a.WaitAsync(Timeout))).Failure);
        Assert.Equal(MapepireFailure.ConnectionLost, (await Assert.ThrowsAsync<MapepireException>(() => b.WaitAsync(Timeout))).Failure);
        Assert.True(connection.IsBroken);
        var after = await Assert.ThrowsAsync<MapepireException>(() => connection.PingAsync(CancellationToken.None));
        Assert.Equal(MapepireFailure.ConnectionLost, after.Failure);
    }

    [Fact]
    public async Task A_cancelled_request_drops_its_late_reply_and_leaves_the_connection_usable()
    {
        var release = new TaskCompletionSource();
        await using var server = FakeMapepireServer.Start(async session =>
        {
            using var connect = (await session.ReceiveAsync())!;
            await session.ReplyConnectAsync(connect);
            using var slow = (await session.ReceiveAsync())!;
            await release.Task;
            await session.SendAsync($$"""{"id":"{{FakeSession.Id(slow)}}","alive":true,"success":true,"execution_time":0}""");
            using var next = (await session.ReceiveAsync())!;
            await session.SendAsync($$"""{"id":"{{FakeSession.Id(next)}}","alive":true,"success":true,"execution_time":0}""");
            await session.ReceiveAsync();
        });
        await using var connection = await OpenAsync(server.Port);
        using var cts = new CancellationTokenSource();

        var slowPing = connection.PingAsync(cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slowPing.WaitAsync(Timeout));
        release.SetResult();
        using var reply = await connection.PingAsync(CancellationToken.None).WaitAsync(Timeout);
        Assert.True(reply.Success);
        Assert.False(connection.IsBroken);
        Assert.Equal(0, connection.InFlight);
    }

    [Fact]
    public async Task A_reply_that_is_not_json_breaks_the_connection_as_a_protocol_failure()
    {
        await using var server = FakeMapepireServer.Start(async session =>
        {
            using var connect = (await session.ReceiveAsync())!;
            await session.ReplyConnectAsync(connect);
            (await session.ReceiveAsync())!.Dispose();
            await session.SendAsync("this is not json");
            await session.ReceiveAsync();
        });
        await using var connection = await OpenAsync(server.Port);

        var ex = await Assert.ThrowsAsync<MapepireException>(() => connection.PingAsync(CancellationToken.None).WaitAsync(Timeout));
        Assert.Equal(MapepireFailure.Protocol, ex.Failure);
        Assert.True(connection.IsBroken);
    }

    [Fact]
    public async Task An_upgrade_refused_with_403_is_an_authentication_failure()
    {
        await using var server = FakeMapepireServer.Start(_ => Task.CompletedTask, upgradeStatus: 403);
        var ex = await Assert.ThrowsAsync<MapepireException>(() => OpenAsync(server.Port));
        Assert.Equal(MapepireFailure.Authentication, ex.Failure);
        Assert.Contains("403", ex.Message);
    }

    [Fact]
    public async Task A_connect_rejected_by_IBM_i_is_an_authentication_failure_with_the_server_text()
    {
        await using var server = FakeMapepireServer.Start(async session =>
        {
            using var connect = (await session.ReceiveAsync())!;
            await session.SendAsync($$"""{"id":"{{FakeSession.Id(connect)}}","error":"java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (User ID is not known.:FAKEUSER)","success":false,"sql_state":null,"sql_rc":0,"execution_time":95}""");
            await session.ReceiveAsync();
        });
        var ex = await Assert.ThrowsAsync<MapepireException>(() => OpenAsync(server.Port, "fakeuser", "x"));
        Assert.Equal(MapepireFailure.Authentication, ex.Failure);
        Assert.Contains("The application server rejected the connection", ex.Message);
        // The failed socket is closed by the client.
        for (var i = 0; i < 200 && server.OpenSessions > 0; i++) await Task.Delay(10);
        Assert.Equal(0, server.OpenSessions);
    }

    [Fact]
    public async Task A_port_nobody_listens_on_is_unreachable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var ex = await Assert.ThrowsAsync<MapepireException>(() => OpenAsync(port));
        Assert.Equal(MapepireFailure.Unreachable, ex.Failure);
    }

    [Fact]
    public async Task A_server_that_never_answers_connect_times_out()
    {
        await using var server = FakeMapepireServer.Start(async session => { await session.ReceiveAsync(); await session.ReceiveAsync(); });
        using var credentials = new MapepireCredentials("MCPUSER", "mcppass1");
        var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnection.OpenAsync(
            new MapepireEndpoint("127.0.0.1", server.Port, MapepireTlsPolicy.Plain), credentials, JdbcOptions.Empty, "t",
            TimeSpan.FromMilliseconds(200), null, CancellationToken.None));
        Assert.Equal(MapepireFailure.Timeout, ex.Failure);
    }

    [Theory]
    [InlineData("pass:word")]
    [InlineData("")]
    public async Task Unusable_passwords_are_rejected_before_any_socket_is_opened(string password)
    {
        await using var server = FakeMapepireServer.Responding(_ => null);
        var ex = await Assert.ThrowsAsync<MapepireException>(() => OpenAsync(server.Port, password: password));
        Assert.Equal(MapepireFailure.Authentication, ex.Failure);
        Assert.DoesNotContain(password.Length > 0 ? password : "\0", ex.Message);
        Assert.Equal(0, server.Accepted);
    }

    [Fact]
    public async Task Requests_are_written_as_the_protocol_expects()
    {
        var table = new FakeTable(3);
        await using var server = FakeMapepireServer.Responding(table.Reply);
        await using var connection = await OpenAsync(server.Port);

        using (var r = await connection.SqlAsync("select * from t", 2, CancellationToken.None)) Assert.True(r.Success);
        using (var r = await connection.PrepareSqlExecuteAsync("select * from t where a = ? and b = ? and c = ? and d = ?",
                   [SqlValue.From("x\"y"), SqlValue.From(42L), SqlValue.From(1.5), SqlValue.Null], 5, CancellationToken.None))
        {
            Assert.True(r.Success);
            using var more = await connection.SqlMoreAsync(r.Id, 7, CancellationToken.None);
            using var close = await connection.SqlCloseAsync(r.Id, CancellationToken.None);
        }
        var sent = server.Sessions.Single().Received.Skip(1).Select(s => JsonDocument.Parse(s).RootElement).ToArray();
        Assert.Equal("sql", sent[0].GetProperty("type").GetString());
        Assert.Equal(2, sent[0].GetProperty("rows").GetInt32());
        Assert.True(sent[0].GetProperty("terse").GetBoolean());
        Assert.Equal("prepare_sql_execute", sent[1].GetProperty("type").GetString());
        Assert.Equal("""["x\"y",42,1.5,null]""", sent[1].GetProperty("parameters").GetRawText());
        Assert.Equal("sqlmore", sent[2].GetProperty("type").GetString());
        Assert.Equal(sent[1].GetProperty("id").GetString(), sent[2].GetProperty("cont_id").GetString());
        Assert.Equal(7, sent[2].GetProperty("rows").GetInt32());
        Assert.Equal("sqlclose", sent[3].GetProperty("type").GetString());
        Assert.Equal(sent[1].GetProperty("id").GetString(), sent[3].GetProperty("cont_id").GetString());
        Assert.Equal(sent.Length, sent.Select(s => s.GetProperty("id").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Sql_errors_carry_state_code_and_server_text()
    {
        var table = new FakeTable(3);
        await using var server = FakeMapepireServer.Responding(table.Reply);
        await using var connection = await OpenAsync(server.Port);
        using var reply = await connection.SqlAsync("select * from scooby", 10, CancellationToken.None);
        Assert.False(reply.Success);
        var ex = reply.ToException();
        Assert.Equal(MapepireFailure.Sql, ex.Failure);
        Assert.Equal("42704", ex.SqlState);
        Assert.Equal(-204, ex.SqlCode);
        Assert.Equal("[SQL0204] SCOOBY in LIAMA type *FILE not found.", ex.Message);
    }
}

public sealed class ConnectRefusalClassificationTests
{
    [Theory]
    [InlineData("java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (User ID is not known.:FAKEUSER)", true)]
    [InlineData("java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (Password is not correct.:ALICE)", true)]
    [InlineData("java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (User profile is disabled.:BOB)", true)]
    [InlineData("java.io.IOException: Connection refused by security rule at line 3", true)]
    [InlineData("Internal Error: IOException: Too many open files", false)]
    [InlineData("Internal Error: NullPointerException: null", false)]
    [InlineData("Internal Error: OutOfMemoryError: Java heap space", false)]
    [InlineData("java.net.ConnectException: Connection refused", false)]
    [InlineData("", false)]
    public void Only_IBM_i_refusing_the_identity_counts_as_refused_credentials(string error, bool refusal)
        => Assert.Equal(refusal, MapepireConnection.IsIdentityRefusal(error));
}
