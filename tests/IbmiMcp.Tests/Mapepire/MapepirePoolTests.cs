using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Mapepire;

public sealed class MapepirePoolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static Task<MapepirePool> OpenPoolAsync(FakeMapepireServer server, MapepirePoolOptions? options = null,
        MapepireCredentials? credentials = null) =>
        MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", server.Port, MapepireTlsPolicy.Plain),
            credentials ?? new MapepireCredentials("MCPUSER", "mcppass1"), options ?? new MapepirePoolOptions { PoolStart = 2, PoolMax = 3 });

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 2000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }

    [Fact]
    public async Task Open_starts_poolstart_connections_and_reports_them_idle()
    {
        await using var server = FakeMapepireServer.Responding(new FakeTable(5).Reply);
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 3, PoolMax = 5 });
        Assert.Equal(new PoolStatistics(Idle: 3, Busy: 0, Opening: 0, Total: 3, Waiters: 0, Max: 5), pool.Statistics);
        Assert.Equal("MCPUSER", pool.User);
        Assert.Equal(3, server.OpenSessions);
    }

    [Fact]
    public async Task Open_fails_with_authentication_when_IBM_i_rejects_the_user()
    {
        await using var server = FakeMapepireServer.Start(async session =>
        {
            using var connect = (await session.ReceiveAsync())!;
            await session.SendAsync($$"""{"id":"{{FakeSession.Id(connect)}}","error":"java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (Password is incorrect.)","success":false,"sql_state":null,"sql_rc":0,"execution_time":5}""");
            await session.ReceiveAsync();
        });
        var credentials = new MapepireCredentials("MCPUSER", "wrong");
        var ex = await Assert.ThrowsAsync<MapepireException>(() => OpenPoolAsync(server, credentials: credentials));
        Assert.Equal(MapepireFailure.Authentication, ex.Failure);
        Assert.True(credentials.IsDisposed);
        Assert.Equal(1, server.Accepted); // one failed sign-on, not poolstart of them (QMAXSIGN)
        await WaitUntil(() => server.OpenSessions == 0);
    }

    [Fact]
    public async Task The_pool_grows_lazily_to_poolmax()
    {
        var release = new TaskCompletionSource();
        var table = new FakeTable(1);
        await using var server = FakeMapepireServer.Start(session => session.ServeAsync(r =>
        {
            if (r.GetProperty("type").GetString() == "sql" && r.GetProperty("sql").GetString() == "slow") release.Task.Wait();
            return table.Reply(r);
        }));
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 1, PoolMax = 3 });

        var running = Enumerable.Range(0, 3).Select(_ => pool.ExecuteAsync(new SqlCommand { Sql = "slow" }, CancellationToken.None).AsTask()).ToArray();
        await WaitUntil(() => pool.Statistics.Busy == 3);
        Assert.Equal(3, pool.Statistics.Total);
        release.SetResult();
        foreach (var r in await Task.WhenAll(running)) r.Dispose();
        Assert.Equal(3, pool.Statistics.Idle);
    }

    [Fact]
    public async Task Rent_times_out_when_the_pool_is_exhausted_and_names_the_settings()
    {
        var clock = new ManualTimeProvider();
        var release = new TaskCompletionSource();
        var table = new FakeTable(1);
        await using var server = FakeMapepireServer.Start(session => session.ServeAsync(r =>
        {
            if (r.GetProperty("type").GetString() == "sql") release.Task.Wait();
            return table.Reply(r);
        }));
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions
        {
            PoolStart = 1, PoolMax = 1, AcquireTimeout = TimeSpan.FromSeconds(2), QueryTimeout = TimeSpan.Zero, TimeProvider = clock,
        });
        var busy = pool.ExecuteAsync(new SqlCommand { Sql = "select 1" }, CancellationToken.None).AsTask();
        await WaitUntil(() => pool.Statistics.Busy == 1);

        var waiting = pool.ExecuteAsync(new SqlCommand { Sql = "select 2" }, CancellationToken.None).AsTask();
        await WaitUntil(() => pool.Statistics.Waiters == 1);
        clock.Advance(TimeSpan.FromSeconds(3));
        var ex = await Assert.ThrowsAsync<MapepireException>(() => waiting.WaitAsync(Timeout));
        Assert.Equal(MapepireFailure.PoolExhausted, ex.Failure);
        Assert.Contains("poolmax (currently 1)", ex.Message);
        Assert.Contains("MCP_POOL_ACQUIRE_TIMEOUT_MS (currently 2000)", ex.Message);

        release.SetResult();
        (await busy.WaitAsync(Timeout)).Dispose();
        Assert.Equal(0, pool.Statistics.Waiters);
    }

    [Fact]
    public async Task Waiters_are_served_in_arrival_order()
    {
        var gate = new SemaphoreSlim(0);
        var table = new FakeTable(1);
        // The order in which the one connection carries the statements to the server is the order waiters were served
        // (the callers' own continuations may resume in any order once the pool hands the connection on).
        var order = new List<int>();
        await using var server = FakeMapepireServer.Start(session => session.ServeAsync(r =>
        {
            if (r.GetProperty("type").GetString() == "sql")
            {
                lock (order) order.Add(int.Parse(r.GetProperty("sql").GetString()!["select ".Length..], System.Globalization.CultureInfo.InvariantCulture));
                gate.Wait();
            }
            return table.Reply(r);
        }));
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        var tasks = new List<Task>();
        for (var i = 0; i < 4; i++)
        {
            var n = i;
            tasks.Add(Task.Run(async () =>
            {
                using var r = await pool.ExecuteAsync(new SqlCommand { Sql = "select " + n }, CancellationToken.None);
            }));
            // The first one runs, the others queue in order.
            await WaitUntil(() => n == 0 ? pool.Statistics.Busy == 1 : pool.Statistics.Waiters == n);
        }
        gate.Release(4);
        await Task.WhenAll(tasks).WaitAsync(Timeout);
        Assert.Equal([0, 1, 2, 3], order);
    }

    [Fact]
    public async Task A_connection_dropped_while_idle_is_replaced_without_failing_the_next_caller()
    {
        var table = new FakeTable(2);
        await using var server = FakeMapepireServer.Responding(table.Reply);
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 2, PoolMax = 2 });
        foreach (var s in server.Sessions) s.Close(); // both idle sockets die
        await WaitUntil(() => server.OpenSessions == 0);
        await Task.Delay(50); // let the readers notice

        using var result = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t" }, CancellationToken.None);
        Assert.Equal(2, result.Rows.Count);
        Assert.Equal(1, pool.Statistics.Total);
    }

    [Fact]
    public async Task A_read_is_retried_once_when_its_connection_dies_underneath_it()
    {
        var table = new FakeTable(2);
        var sessions = 0;
        await using var server = FakeMapepireServer.Start(async session =>
        {
            if (Interlocked.Increment(ref sessions) == 1)
            {
                using var connect = (await session.ReceiveAsync())!;
                await session.ReplyConnectAsync(connect);
                (await session.ReceiveAsync())?.Dispose();
                session.Close(); // dies on the first statement
                return;
            }
            await session.ServeAsync(table.Reply);
        });
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 1, PoolMax = 2 });
        using var result = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t" }, CancellationToken.None);
        Assert.Equal(2, result.Rows.Count);
        Assert.Equal(1, pool.Statistics.Total);
    }

    [Fact]
    public async Task A_query_timeout_closes_only_the_stuck_connection()
    {
        var clock = new ManualTimeProvider();
        var table = new FakeTable(1);
        await using var server = FakeMapepireServer.Start(session => session.ServeAsync(r =>
            r.GetProperty("type").GetString() == "sql" && r.GetProperty("sql").GetString() == "stuck" ? null : table.Reply(r)));
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions
        {
            PoolStart = 2, PoolMax = 2, QueryTimeout = TimeSpan.FromSeconds(30), TimeProvider = clock,
        });

        var stuck = pool.ExecuteAsync(new SqlCommand { Sql = "stuck" }, CancellationToken.None).AsTask();
        await WaitUntil(() => pool.Statistics.Busy == 1);
        clock.Advance(TimeSpan.FromSeconds(31));
        var ex = await Assert.ThrowsAsync<MapepireException>(() => stuck.WaitAsync(Timeout));
        Assert.Equal(MapepireFailure.Timeout, ex.Failure);
        Assert.Contains("MCP_POOL_QUERY_TIMEOUT_MS (30000 ms)", ex.Message);

        await WaitUntil(() => server.OpenSessions == 1);
        Assert.Equal(new PoolStatistics(1, 0, 0, 1, 0, 2), pool.Statistics);
        using var ok = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t" }, CancellationToken.None);
        Assert.Single(ok.Rows);
    }

    [Fact]
    public async Task Idle_connections_are_trimmed_after_the_idle_timeout()
    {
        var clock = new ManualTimeProvider();
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply);
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions
        {
            PoolStart = 3, PoolMax = 3, MinConnections = 1, IdleTimeout = TimeSpan.FromMinutes(5), TimeProvider = clock,
        });
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(3, pool.Statistics.Total);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, pool.Statistics.Total);
        Assert.Equal(1, pool.Statistics.Idle);
        await WaitUntil(() => server.OpenSessions == 1);
        using var r = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t" }, CancellationToken.None);
        Assert.Single(r.Rows);
    }

    [Theory]
    [InlineData(10, 5, true, 5)]   // more rows than asked: truncated, cursor closed
    [InlineData(5, 5, false, 5)]   // exactly as many: the extra row request proves there is no more
    [InlineData(3, 5, false, 3)]
    public async Task A_single_block_reports_truncation_exactly(int tableRows, int rows, bool truncated, int returned)
    {
        var table = new FakeTable(tableRows);
        await using var server = FakeMapepireServer.Responding(table.Reply);
        await using var pool = await OpenPoolAsync(server);
        using var result = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t", Rows = rows }, CancellationToken.None);
        Assert.Equal(returned, result.Rows.Count);
        Assert.Equal(truncated, result.Truncated);
        Assert.Equal(0, table.OpenCursors);
        Assert.Equal(1, result.Rows[0][0].GetInt32());
        Assert.Equal("name 1", result.Rows[0][1].GetString());
        Assert.Equal(["ID", "NAME"], result.Columns.Select(c => c.Name));
        Assert.Equal("123456/QUSER/QZDASOINIT", result.Job);
        Assert.DoesNotContain("sqlmore", table.Types);
    }

    [Theory]
    [InlineData(42, 5, 100, false, 42)]
    [InlineData(42, 5, 40, true, 40)]
    [InlineData(40, 10, 40, false, 40)]
    [InlineData(14, 1000, 30000, false, 14)]
    public async Task Fetch_all_pages_with_sqlmore_up_to_the_row_cap(int tableRows, int page, int max, bool truncated, int returned)
    {
        var table = new FakeTable(tableRows);
        await using var server = FakeMapepireServer.Responding(table.Reply);
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 1, PoolMax = 1, DefaultPageSize = page, MaxRows = max });
        using var result = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t", FetchAll = true }, CancellationToken.None);
        Assert.Equal(returned, result.Rows.Count);
        Assert.Equal(truncated, result.Truncated);
        Assert.Equal(Enumerable.Range(1, returned), result.Rows.Select(r => r[0].GetInt32()));
        Assert.Equal(0, table.OpenCursors);
    }

    [Fact]
    public async Task Parameters_go_through_prepare_sql_execute_and_dml_reports_update_count()
    {
        var table = new FakeTable(3);
        await using var server = FakeMapepireServer.Responding(table.Reply);
        await using var pool = await OpenPoolAsync(server);
        using (var q = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t where id > ?", Parameters = [SqlValue.From(0L)] }, CancellationToken.None))
            Assert.Equal(3, q.Rows.Count);
        Assert.Contains("prepare_sql_execute", table.Types);
        using var u = await pool.ExecuteAsync(new SqlCommand { Sql = "UPDATE t SET x = 1" }, CancellationToken.None);
        Assert.False(u.HasResults);
        Assert.Equal(3, u.UpdateCount);
        Assert.Empty(u.Rows);
        Assert.False(u.Truncated);
    }

    [Fact]
    public async Task Sql_errors_surface_as_typed_exceptions_and_keep_the_connection()
    {
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply);
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        var ex = await Assert.ThrowsAsync<MapepireException>(() => pool.ExecuteAsync(new SqlCommand { Sql = "select * from scooby" }, CancellationToken.None).AsTask());
        Assert.Equal(MapepireFailure.Sql, ex.Failure);
        Assert.Equal("42704", ex.SqlState);
        Assert.Equal(-204, ex.SqlCode);
        Assert.Equal(new PoolStatistics(1, 0, 0, 1, 0, 1), pool.Statistics);
    }

    [Fact]
    public async Task The_client_tag_is_set_only_when_it_changes_on_a_connection()
    {
        var table = new FakeTable(1);
        var calls = new List<string>();
        await using var server = FakeMapepireServer.Responding(r =>
        {
            if (r.TryGetProperty("sql", out var sql) && sql.GetString()!.StartsWith("CALL SYSPROC.WLM_SET_CLIENT_INFO"))
                lock (calls) calls.Add(r.GetProperty("parameters").GetRawText());
            return table.Reply(r);
        });
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        foreach (var tag in new[] { "tool_a", "tool_a", "tool_b", null })
            (await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t", ClientTag = tag }, CancellationToken.None)).Dispose();
        Assert.Equal(["""["MCPUSER","ibmi-mcp","tool_a"]""", """["MCPUSER","ibmi-mcp","tool_b"]"""], calls);
    }

    [Fact]
    public async Task Many_parallel_statements_each_get_their_own_rows()
    {
        await using var server = FakeMapepireServer.Responding(r =>
        {
            var id = r.GetProperty("id").GetString();
            var sql = r.TryGetProperty("sql", out var s) ? s.GetString() : "";
            return $$"""{"id":"{{id}}","has_results":true,"update_count":-1,"metadata":{"column_count":1,"job":"J","columns":[{"name":"S","type":"VARCHAR","display_size":9,"label":"S"}]},"data":[["{{sql}}"]],"is_done":true,"success":true,"execution_time":0}""";
        });
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 2, PoolMax = 5 });
        var tasks = Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            using var r = await pool.ExecuteAsync(new SqlCommand { Sql = "q" + i }, CancellationToken.None);
            return r.Rows[0][0].GetString() == "q" + i;
        })).ToArray();
        Assert.All(await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30)), Assert.True);
        Assert.True(pool.Statistics.Total <= 5);
    }

    [Fact]
    public async Task A_cancelled_statement_closes_its_connection()
    {
        var table = new FakeTable(1);
        await using var server = FakeMapepireServer.Start(session => session.ServeAsync(r =>
            r.GetProperty("type").GetString() == "sql" && r.GetProperty("sql").GetString() == "hang" ? null : table.Reply(r)));
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        using var cts = new CancellationTokenSource();
        var hang = pool.ExecuteAsync(new SqlCommand { Sql = "hang" }, cts.Token).AsTask();
        await WaitUntil(() => pool.Statistics.Busy == 1);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hang.WaitAsync(Timeout));
        await WaitUntil(() => server.OpenSessions == 0);
        using var ok = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t" }, CancellationToken.None);
        Assert.Single(ok.Rows);
    }

    [Fact]
    public async Task Health_check_pings_and_replaces_a_connection_whose_job_is_gone()
    {
        var dead = false;
        var table = new FakeTable(1);
        await using var server = FakeMapepireServer.Responding(r =>
            dead && r.GetProperty("type").GetString() == "ping"
                ? $$"""{"id":"{{r.GetProperty("id").GetString()}}","alive":true,"error":"Not connected","success":false,"sql_state":null,"sql_rc":0,"execution_time":0}"""
                : table.Reply(r));
        await using var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        await pool.CheckHealthAsync(CancellationToken.None);
        dead = true;
        var ex = await Assert.ThrowsAsync<MapepireException>(() => pool.CheckHealthAsync(CancellationToken.None));
        Assert.Equal(MapepireFailure.ConnectionLost, ex.Failure);
        Assert.Equal(0, pool.Statistics.Total);
    }

    [Fact]
    public async Task Dispose_closes_every_socket_zeroes_the_password_and_fails_later_calls()
    {
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply);
        var credentials = new MapepireCredentials("MCPUSER", "mcppass1");
        var pool = await OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = 3, PoolMax = 3 }, credentials);
        await pool.DisposeAsync();
        Assert.True(credentials.IsDisposed);
        await WaitUntil(() => server.OpenSessions == 0);
        var ex = await Assert.ThrowsAsync<MapepireException>(() => pool.ExecuteAsync(new SqlCommand { Sql = "select 1" }, CancellationToken.None).AsTask());
        Assert.Equal(MapepireFailure.Disposed, ex.Failure);
        await pool.DisposeAsync(); // twice is fine
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 2)]
    public async Task Invalid_sizes_are_refused_with_the_setting_named(int start, int max)
    {
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => OpenPoolAsync(server, new MapepirePoolOptions { PoolStart = start, PoolMax = max }));
        Assert.Contains("poolstart", ex.Message);
    }

    [Theory]
    [InlineData("select 1", true)]
    [InlineData("  -- c\n (WITH x AS (select 1) select * from x)", true)]
    [InlineData("/* hi */ values 1", true)]
    [InlineData("update t set a = 1", false)]
    [InlineData("selection_proc()", false)]
    [InlineData("call p()", false)]
    public void Only_queries_count_as_read_only(string sql, bool expected) => Assert.Equal(expected, MapepirePool.IsReadOnly(sql));
}
