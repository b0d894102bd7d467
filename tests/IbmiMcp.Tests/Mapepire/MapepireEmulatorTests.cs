using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IbmiMcp.Emulator;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Mapepire;

/// <summary>One TLS emulator shared by the tests of a class; fault tests get their own.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public EmulatorHost Host { get; private set; } = null!;
    public X509Certificate2 Certificate { get; private set; } = null!;
    public MapepireTlsPolicy Pinned { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        Certificate = X509Certificate2.CreateFromPem(Host.CertificatePem);
        Pinned = MapepireTlsPolicy.Pinned([Certificate], "emulator");
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public MapepireEndpoint Endpoint(MapepireTlsPolicy? tls = null, string host = "127.0.0.1") => new(host, Host.Port, tls ?? Pinned);

    internal Task<MapepirePool> OpenPoolAsync(string user = "MCPUSER", string password = "mcppass1", MapepirePoolOptions? options = null,
        MapepireTlsPolicy? tls = null) =>
        MapepirePool.OpenAsync(Endpoint(tls), new MapepireCredentials(user, password), options ?? new MapepirePoolOptions { PoolStart = 2, PoolMax = 5 });

    internal async Task<MapepireConnection> OpenConnectionAsync(string user = "MCPUSER", string password = "mcppass1", JdbcOptions? jdbc = null)
    {
        using var credentials = new MapepireCredentials(user, password);
        return await MapepireConnection.OpenAsync(Endpoint(), credentials, jdbc ?? JdbcOptions.Empty, "ibmi-mcp-tests",
            TimeSpan.FromSeconds(10), null, CancellationToken.None);
    }

    public static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 2000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}

public sealed class MapepireEmulatorTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_message_works_against_the_emulator_over_tls()
    {
        await using var c = await emulator.OpenConnectionAsync(jdbc: JdbcOptions.Parse("naming=sql;libraries=SAMPLE"));
        Assert.Contains("QZDASOINIT", c.Job);

        using (var ping = await c.PingAsync(CancellationToken.None))
        {
            Assert.True(ping.Success);
            Assert.True(ping.Root.GetProperty("db_alive").GetBoolean());
        }
        using (var version = await c.GetVersionAsync(CancellationToken.None))
            Assert.False(string.IsNullOrEmpty(version.Root.GetProperty("version").GetString()));

        using var first = await c.SqlAsync("SELECT DEPTNO, DEPTNAME FROM SAMPLE.DEPARTMENT ORDER BY DEPTNO", 5, CancellationToken.None);
        Assert.True(first.Success, first.ErrorText);
        Assert.Equal(5, first.Root.GetProperty("data").GetArrayLength());
        Assert.Equal(JsonValueKind.Array, first.Root.GetProperty("data")[0].ValueKind); // terse
        Assert.False(first.Root.GetProperty("is_done").GetBoolean());
        using (var more = await c.SqlMoreAsync(first.Id, 100, CancellationToken.None))
        {
            Assert.True(more.Success, more.ErrorText);
            Assert.Equal(9, more.Root.GetProperty("data").GetArrayLength());
            Assert.True(more.Root.GetProperty("is_done").GetBoolean());
        }

        using var prepared = await c.PrepareSqlExecuteAsync("SELECT EMPNO FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = ? ORDER BY EMPNO",
            [SqlValue.From("A00")], 1, CancellationToken.None);
        Assert.True(prepared.Success, prepared.ErrorText);
        Assert.Equal(1, prepared.Root.GetProperty("data").GetArrayLength());
        using (var close = await c.SqlCloseAsync(prepared.Id, CancellationToken.None)) Assert.True(close.Success, close.ErrorText);
        using (var gone = await c.SqlMoreAsync(prepared.Id, 1, CancellationToken.None))
        {
            Assert.False(gone.Success);
            Assert.Equal(MapepireFailure.Protocol, gone.ToException().Failure);
        }
    }

    [Theory]
    [InlineData("MCPUSER", "wrongpass")]
    [InlineData("NOSUCHUSER", "whatever")]
    public async Task A_bad_sign_on_is_an_authentication_failure(string user, string password)
    {
        var ex = await Assert.ThrowsAsync<MapepireException>(() => emulator.OpenPoolAsync(user, password));
        Assert.Equal(MapepireFailure.Authentication, ex.Failure);
        Assert.Contains("rejected the connection", ex.Message);
        Assert.DoesNotContain(password, ex.Message);
    }

    [Fact]
    public async Task Authorization_errors_carry_sql_state_and_code()
    {
        await using var bob = await emulator.OpenPoolAsync("bob", "bob12345", new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        var ex = await Assert.ThrowsAsync<MapepireException>(() =>
            bob.ExecuteAsync(new SqlCommand { Sql = "SELECT * FROM HR.SALARY_REVIEW" }, CancellationToken.None).AsTask());
        Assert.Equal(MapepireFailure.Sql, ex.Failure);
        Assert.Equal("42501", ex.SqlState);
        Assert.Equal(-551, ex.SqlCode);
        Assert.StartsWith("[SQL0551]", ex.Message);

        await using var alice = await emulator.OpenPoolAsync("alice", "alice123", new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        using var rows = await alice.ExecuteAsync(new SqlCommand { Sql = "SELECT * FROM HR.SALARY_REVIEW" }, CancellationToken.None);
        Assert.True(rows.HasResults);
        Assert.Equal("ALICE", alice.User);
    }

    [Fact]
    public async Task Hundreds_of_parallel_queries_on_a_pool_of_five_each_get_their_own_rows()
    {
        await using var pool = await emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 5, PoolMax = 5 });
        var expected = new Dictionary<string, string>();
        using (var all = await pool.ExecuteAsync(new SqlCommand { Sql = "SELECT EMPNO, LASTNAME FROM SAMPLE.EMPLOYEE", FetchAll = true }, CancellationToken.None))
            foreach (var row in all.Rows) expected[row[0].GetString()!] = row[1].GetString()!;
        Assert.Equal(42, expected.Count);

        var empnos = expected.Keys.ToArray();
        var tasks = Enumerable.Range(0, 300).Select(i => Task.Run(async () =>
        {
            var empno = empnos[i % empnos.Length];
            using var r = await pool.ExecuteAsync(new SqlCommand
            {
                Sql = "SELECT EMPNO, LASTNAME FROM SAMPLE.EMPLOYEE WHERE EMPNO = ?", Parameters = [SqlValue.From(empno)],
            }, CancellationToken.None);
            return r.Rows.Count == 1 && r.Rows[0][0].GetString() == empno && r.Rows[0][1].GetString() == expected[empno];
        })).ToArray();
        Assert.All(await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(120)), Assert.True);
        Assert.Equal(5, pool.Statistics.Total);
    }

    [Fact]
    public async Task Paging_and_truncation_match_the_sample_tables()
    {
        await using var pool = await emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 1, PoolMax = 1, DefaultPageSize = 5, MaxRows = 30 });
        using (var all = await pool.ExecuteAsync(new SqlCommand { Sql = "SELECT * FROM SAMPLE.DEPARTMENT", FetchAll = true }, CancellationToken.None))
        {
            Assert.Equal(14, all.Rows.Count);
            Assert.False(all.Truncated);
            Assert.Equal(all.Columns.Count, all.Rows[0].GetArrayLength());
        }
        using (var capped = await pool.ExecuteAsync(new SqlCommand { Sql = "SELECT * FROM SAMPLE.EMPLOYEE", FetchAll = true }, CancellationToken.None))
        {
            Assert.Equal(30, capped.Rows.Count);
            Assert.True(capped.Truncated);
        }
        using (var big = await pool.ExecuteAsync(new SqlCommand { Sql = "SELECT * FROM SAMPLE.EMPLOYEE", FetchAll = true, PageSize = 7, MaxRows = 100 }, CancellationToken.None))
        {
            Assert.Equal(42, big.Rows.Count);
            Assert.False(big.Truncated);
        }
        using (var block = await pool.ExecuteAsync(new SqlCommand { Sql = "SELECT * FROM SAMPLE.EMPLOYEE", Rows = 10 }, CancellationToken.None))
        {
            Assert.Equal(10, block.Rows.Count);
            Assert.True(block.Truncated);
        }
        using (var exact = await pool.ExecuteAsync(new SqlCommand { Sql = "SELECT * FROM SAMPLE.DEPARTMENT", Rows = 14 }, CancellationToken.None))
        {
            Assert.Equal(14, exact.Rows.Count);
            Assert.False(exact.Truncated);
        }
        Assert.Equal(1, pool.Statistics.Idle);
    }

    [Fact]
    public async Task The_client_tag_reaches_the_job_client_registers()
    {
        await using var pool = await emulator.OpenPoolAsync("alice", "alice123", new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        using (await pool.ExecuteAsync(new SqlCommand { Sql = "SELECT DEPTNO FROM SAMPLE.DEPARTMENT WHERE DEPTNO = 'A00'", ClientTag = "list_departments" }, CancellationToken.None)) { }
        var record = emulator.Host.ClientInfo.Last(r => r.Sql.Contains("WHERE DEPTNO = 'A00'", StringComparison.Ordinal));
        Assert.Equal("list_departments", record.ProgramId);
        Assert.Equal("ALICE", record.User);
    }

    [Fact]
    public async Task Health_check_and_dispose_close_every_socket()
    {
        var before = emulator.Host.OpenSockets;
        var pool = await emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 3, PoolMax = 3 });
        await pool.CheckHealthAsync(CancellationToken.None);
        await EmulatorFixture.WaitUntil(() => emulator.Host.OpenSockets >= before + 3);
        await pool.DisposeAsync();
        await EmulatorFixture.WaitUntil(() => emulator.Host.OpenSockets <= before);
    }

    [Fact]
    public async Task Ignore_pinned_and_trust_on_first_use_connect_while_verify_refuses_the_self_signed_certificate()
    {
        foreach (var tls in new[] { MapepireTlsPolicy.Ignore, emulator.Pinned, MapepireTlsPolicy.TrustOnFirstUse })
        {
            await using var pool = await emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 }, tls: tls);
            using var r = await pool.ExecuteAsync(new SqlCommand { Sql = "SELECT 1 FROM SYSIBM.SYSDUMMY1" }, CancellationToken.None);
            Assert.Single(r.Rows);
        }
        var verify = await Assert.ThrowsAsync<MapepireException>(() => emulator.OpenPoolAsync(tls: MapepireTlsPolicy.Verify));
        Assert.Equal(MapepireFailure.Tls, verify.Failure);
    }

    [Fact]
    public async Task A_wrong_pinned_certificate_is_refused()
    {
        using var other = FakeMapepireServer.CreateCertificate();
        var wrong = MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(other.RawData)], "wrong.pem");
        var ex = await Assert.ThrowsAsync<MapepireException>(() => emulator.OpenPoolAsync(tls: wrong));
        Assert.Equal(MapepireFailure.Tls, ex.Failure);
        Assert.Contains("wrong.pem", ex.Message);
    }

    [Fact]
    public async Task The_pinned_certificate_file_from_DB2i_CA_PATH_is_honoured()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, emulator.Host.CertificatePem);
            var tls = MapepireTlsPolicy.FromSettings(ignoreUnauthorized: false, caPath: path);
            await using var pool = await emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 }, tls: tls);
            await pool.CheckHealthAsync(CancellationToken.None);
        }
        finally { File.Delete(path); }
    }
}

/// <summary>Fault injection needs an emulator of its own: faults apply to every socket of a host.</summary>
public sealed class MapepireEmulatorFaultTests : IAsyncLifetime
{
    private readonly EmulatorFixture _emulator = new();
    public Task InitializeAsync() => _emulator.InitializeAsync();
    public Task DisposeAsync() => _emulator.DisposeAsync();

    private static SqlCommand Departments => new() { Sql = "SELECT DEPTNO FROM SAMPLE.DEPARTMENT" };

    [Fact]
    public async Task Dropped_sockets_are_replaced_and_reads_still_succeed()
    {
        await using var pool = await _emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        _emulator.Host.Faults.DropAfterRequests = 3; // connect + 2 statements per socket
        for (var i = 0; i < 10; i++)
        {
            using var r = await pool.ExecuteAsync(Departments, CancellationToken.None);
            Assert.Equal(14, r.Rows.Count);
        }
        Assert.True(_emulator.Host.TotalSocketsOpened >= 4);
    }

    [Fact]
    public async Task Random_drops_under_parallel_load_fail_only_as_connection_lost_and_leave_the_pool_consistent()
    {
        await using var pool = await _emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 2, PoolMax = 5 });
        _emulator.Host.Faults.Seed = 42;
        _emulator.Host.Faults.DropProbability = 0.05;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            try
            {
                using var r = await pool.ExecuteAsync(Departments, CancellationToken.None);
                return r.Rows.Count == 14 ? "ok" : "wrong rows";
            }
            catch (MapepireException ex) { return ex.Failure.ToString(); }
        })));
        Assert.All(outcomes, o => Assert.Contains(o, new[] { "ok", nameof(MapepireFailure.ConnectionLost) }));
        Assert.True(outcomes.Count(o => o == "ok") > 150);

        _emulator.Host.Faults.Reset();
        var after = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => pool.ExecuteAsync(Departments, CancellationToken.None).AsTask()));
        foreach (var r in after) { Assert.Equal(14, r.Rows.Count); r.Dispose(); }
        var stats = pool.Statistics;
        Assert.True(stats.Total <= 5);
        Assert.Equal(0, stats.Waiters);
        Assert.Equal(stats.Total, stats.Idle);
    }

    [Fact]
    public async Task A_stalled_statement_times_out_and_only_its_connection_is_closed()
    {
        await using var pool = await _emulator.OpenPoolAsync(options: new MapepirePoolOptions
        {
            PoolStart = 2, PoolMax = 2, QueryTimeout = TimeSpan.FromSeconds(3), // generous: the healthy statements share it on a loaded box
        });
        await EmulatorFixture.WaitUntil(() => _emulator.Host.OpenSockets == 2);
        _emulator.Host.Faults.StallRequestType = "sql";
        _emulator.Host.Faults.StallMs = -1;
        var stuck = pool.ExecuteAsync(Departments, CancellationToken.None).AsTask();
        // Meanwhile the other connection keeps serving statements that are not stalled (prepare_sql_execute).
        for (var i = 0; i < 3; i++)
        {
            using var other = await pool.ExecuteAsync(new SqlCommand
            {
                Sql = "SELECT DEPTNO FROM SAMPLE.DEPARTMENT WHERE DEPTNO = ?", Parameters = [SqlValue.From("A00")],
            }, CancellationToken.None);
            Assert.Single(other.Rows);
        }
        var ex = await Assert.ThrowsAsync<MapepireException>(() => stuck);
        Assert.Equal(MapepireFailure.Timeout, ex.Failure);
        await EmulatorFixture.WaitUntil(() => _emulator.Host.OpenSockets == 1);
        Assert.Equal(1, pool.Statistics.Total);

        _emulator.Host.Faults.Reset();
        using var r = await pool.ExecuteAsync(Departments, CancellationToken.None);
        Assert.Equal(14, r.Rows.Count);
    }

    [Fact]
    public async Task Latency_is_tolerated()
    {
        await using var pool = await _emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 1, PoolMax = 2 });
        _emulator.Host.Faults.LatencyMs = 20;
        var tasks = Enumerable.Range(0, 6).Select(_ => pool.ExecuteAsync(Departments, CancellationToken.None).AsTask()).ToArray();
        foreach (var r in await Task.WhenAll(tasks)) { Assert.Equal(14, r.Rows.Count); r.Dispose(); }
    }

    [Fact]
    public async Task Refused_connections_fail_only_the_callers_that_needed_a_new_one_and_the_pool_recovers()
    {
        await using var pool = await _emulator.OpenPoolAsync(options: new MapepirePoolOptions { PoolStart = 1, PoolMax = 3 });
        _emulator.Host.Faults.RefuseConnections = true;
        var refused = await Assert.ThrowsAsync<MapepireException>(() => _emulator.OpenPoolAsync());
        Assert.Equal(MapepireFailure.Unreachable, refused.Failure);
        using (var r = await pool.ExecuteAsync(Departments, CancellationToken.None)) Assert.Equal(14, r.Rows.Count);

        _emulator.Host.Faults.RefuseStatusCode = 403;
        var forbidden = await Assert.ThrowsAsync<MapepireException>(() => _emulator.OpenPoolAsync());
        Assert.Equal(MapepireFailure.Authentication, forbidden.Failure);

        _emulator.Host.Faults.Reset();
        var tasks = Enumerable.Range(0, 6).Select(_ => pool.ExecuteAsync(Departments, CancellationToken.None).AsTask()).ToArray();
        foreach (var r in await Task.WhenAll(tasks)) { Assert.Equal(14, r.Rows.Count); r.Dispose(); }
    }

    [Fact]
    public async Task A_sign_on_that_never_completes_is_a_timeout()
    {
        _emulator.Host.Faults.StallRequestType = "connect";
        _emulator.Host.Faults.StallMs = -1;
        var ex = await Assert.ThrowsAsync<MapepireException>(() => _emulator.OpenPoolAsync(options: new MapepirePoolOptions
        {
            PoolStart = 1, PoolMax = 1, ConnectTimeout = TimeSpan.FromMilliseconds(300),
        }));
        Assert.Equal(MapepireFailure.Timeout, ex.Failure);
    }

    [Fact]
    public async Task A_disabled_profile_is_an_authentication_failure()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, MaxSignOnAttempts = 2 });
        var tls = MapepireTlsPolicy.Pinned([X509Certificate2.CreateFromPem(host.CertificatePem)]);
        Task<MapepirePool> Open(string password) => MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", host.Port, tls),
            new MapepireCredentials("BOB", password), new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        for (var i = 0; i < 2; i++)
            Assert.Equal(MapepireFailure.Authentication, (await Assert.ThrowsAsync<MapepireException>(() => Open("wrong" + i))).Failure);
        var disabled = await Assert.ThrowsAsync<MapepireException>(() => Open("bob12345"));
        Assert.Equal(MapepireFailure.Authentication, disabled.Failure);
        Assert.Contains("disabled", disabled.Message);
    }

    [Fact]
    public async Task Plain_ws_works_when_the_server_runs_unsecured()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, Tls = false });
        await using var pool = await MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", host.Port, MapepireTlsPolicy.Plain),
            new MapepireCredentials("MCPUSER", "mcppass1"), new MapepirePoolOptions { PoolStart = 1, PoolMax = 1 });
        using var r = await pool.ExecuteAsync(Departments, CancellationToken.None);
        Assert.Equal(14, r.Rows.Count);
    }
}
