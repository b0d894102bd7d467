using System.Text.Json;

namespace IbmiMcp.Tests.Emulator;

public sealed class ProtocolTests(EmulatorFixture fx) : IClassFixture<EmulatorFixture>
{
    private static string[] Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public async Task Connect_returns_a_QZDASOINIT_job_name()
    {
        var (c, job) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _ = c;
        Assert.Matches(@"^\d{6}/QUSER/QZDASOINIT$", job);
    }

    [Fact]
    public async Task Connect_reply_has_the_server_field_order()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        var r = await c.RequestAsync(new { id = "c1", type = "connect", technique = "tcp", application = "test" });
        Assert.Equal(["id", "job", "success", "execution_time"], Keys(r));
    }

    [Fact]
    public async Task Replies_are_text_frames_of_json_followed_by_two_newlines()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        await c.SendTextAsync("""{"id":"v1","type":"getversion"}""");
        string? frame;
        do { frame = await c.NextFrameAsync(); } while (frame is not null && !frame.Contains("\"v1\"", StringComparison.Ordinal));
        Assert.NotNull(frame);
        Assert.EndsWith("}\n\n", frame);
        Assert.StartsWith("{\"id\":\"v1\",\"build_date\":", frame);
    }

    [Fact]
    public async Task Sql_query_reply_has_metadata_data_and_is_done_in_server_order()
    {
        var (c, job) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _ = c;
        var r = await c.RequestAsync(new { id = "q1", type = "sql", sql = "select DEPTNO, DEPTNAME from sample.department", rows = 2 });
        Assert.Equal(["id", "has_results", "update_count", "metadata", "data", "is_done", "success", "execution_time"], Keys(r));
        Assert.Equal(-1, r.GetProperty("update_count").GetInt32());
        var md = r.GetProperty("metadata");
        Assert.Equal(2, md.GetProperty("column_count").GetInt32());
        Assert.Equal(job, md.GetProperty("job").GetString());
        var col = md.GetProperty("columns")[0];
        Assert.Equal(["name", "type", "display_size", "label", "precision", "scale", "autoIncrement", "nullable", "readOnly", "writeable"], Keys(col));
        Assert.Equal("CHAR", col.GetProperty("type").GetString());
        Assert.Equal(3, col.GetProperty("display_size").GetInt32());
        Assert.Equal(0, col.GetProperty("nullable").GetInt32());
        Assert.Equal("A00", r.GetProperty("data")[0].GetProperty("DEPTNO").GetString());
        Assert.Equal("SPIFFY COMPUTER SERVICE DIV.", r.GetProperty("data")[0].GetProperty("DEPTNAME").GetString());
    }

    [Fact]
    public async Task Decimal_values_keep_their_scale_and_char_values_are_right_trimmed()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "q", type = "prepare_sql_execute", sql = "select EMPNO, BONUS, JOB from sample.employee where bonus > ? order by empno", parameters = new object[] { 500 }, rows = 2 });
        var raw = r.GetProperty("data")[0];
        Assert.Equal("1000.00", raw.GetProperty("BONUS").GetRawText());
        Assert.Equal("PRES", raw.GetProperty("JOB").GetString());
        var bonusCol = r.GetProperty("metadata").GetProperty("columns")[1];
        Assert.Equal("DECIMAL", bonusCol.GetProperty("type").GetString());
        Assert.Equal(9, bonusCol.GetProperty("precision").GetInt32());
        Assert.Equal(2, bonusCol.GetProperty("scale").GetInt32());
        Assert.Equal(11, bonusCol.GetProperty("display_size").GetInt32());
    }

    [Fact]
    public async Task Dates_use_the_job_date_format_from_props()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        await c.RequestAsync(new { id = "c", type = "connect", props = "date format=iso;naming=sql" });
        var iso = await c.RequestAsync(new { id = "d1", type = "sql", sql = "select HIREDATE from sample.employee where empno = '000010'" });
        Assert.Equal("1995-01-01", iso.GetProperty("data")[0].GetProperty("HIREDATE").GetString());
        await c.RequestAsync(new { id = "c2", type = "connect" });
        var mdy = await c.RequestAsync(new { id = "d2", type = "sql", sql = "select HIREDATE from sample.employee where empno = '000010'" });
        Assert.Equal("01/01/95", mdy.GetProperty("data")[0].GetProperty("HIREDATE").GetString());
    }

    [Fact]
    public async Task Non_query_reply_has_no_data_metadata_or_is_done()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "u", type = "sql", sql = "update sample.department set location = 'NY' where deptno = 'Z99'" });
        Assert.Equal(["id", "has_results", "update_count", "success", "execution_time"], Keys(r));
        Assert.False(r.GetProperty("has_results").GetBoolean());
        Assert.Equal(0, r.GetProperty("update_count").GetInt32());
    }

    [Fact]
    public async Task Dml_and_ddl_run_and_report_update_counts()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var create = await c.RequestAsync(new { id = "1", type = "sql", sql = "create table sample.emu_t1 (id integer not null primary key, name varchar(20))" });
        Assert.True(create.GetProperty("success").GetBoolean(), create.ToString());
        var ins = await c.RequestAsync(new { id = "2", type = "sql", sql = "insert into sample.emu_t1 values (1, 'a'), (2, 'b')" });
        Assert.Equal(2, ins.GetProperty("update_count").GetInt32());
        var cat = await c.RequestAsync(new { id = "3", type = "sql", sql = "select COLUMN_COUNT from qsys2.systables where table_schema = 'SAMPLE' and table_name = 'EMU_T1'" });
        Assert.Equal(2, cat.GetProperty("data")[0].GetProperty("COLUMN_COUNT").GetInt32());
        var dup = await c.RequestAsync(new { id = "4", type = "sql", sql = "insert into sample.emu_t1 values (1, 'x')" });
        Assert.Equal("23505", dup.GetProperty("sql_state").GetString());
        var drop = await c.RequestAsync(new { id = "5", type = "sql", sql = "drop table sample.emu_t1" });
        Assert.True(drop.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Prepare_sql_describes_columns_and_parameters_without_running()
    {
        var (c, job) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "p12", type = "prepare_sql", sql = "select EMPNO from sample.employee where workdept = ?" });
        Assert.Equal(["id", "parameter_count", "metadata", "success", "execution_time"], Keys(r));
        Assert.Equal(1, r.GetProperty("parameter_count").GetInt32());
        var md = r.GetProperty("metadata");
        Assert.Equal(["column_count", "job", "columns", "parameters"], Keys(md));
        Assert.Equal(["name", "type", "display_size", "label"], Keys(md.GetProperty("columns")[0]));
        var p = md.GetProperty("parameters")[0];
        Assert.Equal(["type", "mode", "precision", "scale", "name"], Keys(p));
        Assert.Equal("CHAR", p.GetProperty("type").GetString());
        Assert.Equal("IN", p.GetProperty("mode").GetString());

        var e = await c.RequestAsync(new { id = "e13", type = "execute", cont_id = "p12", parameters = new[] { "A00" }, rows = 10 });
        Assert.Equal(["id", "has_results", "update_count", "metadata", "data", "output_parms", "is_done", "success", "execution_time"], Keys(e));
        Assert.Equal(5, e.GetProperty("data").GetArrayLength());
        Assert.True(e.GetProperty("is_done").GetBoolean());

        var more = await c.RequestAsync(new { id = "m", type = "sqlmore", cont_id = "p12" });
        Assert.Equal("Result set was null", more.GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, more.GetProperty("sql_state").ValueKind);
        var bad = await c.RequestAsync(new { id = "m2", type = "sqlmore", cont_id = "e13" });
        Assert.Equal("Bad request: invalid correlation ID", bad.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Prepare_sql_execute_merges_prepare_and_execute_replies()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var q = await c.RequestAsync(new { id = "q9", type = "prepare_sql_execute", sql = "select EMPNO, BONUS from sample.employee where bonus > ?", parameters = new object[] { 500 }, rows = 2 });
        Assert.Equal(["id", "parameter_count", "metadata", "has_results", "update_count", "data", "output_parms", "is_done", "success", "execution_time"], Keys(q));
        Assert.False(q.GetProperty("metadata").TryGetProperty("parameters", out _));
        Assert.True(q.GetProperty("metadata").GetProperty("columns")[0].TryGetProperty("precision", out _));
        Assert.Equal(0, q.GetProperty("output_parms").GetArrayLength());

        var u = await c.RequestAsync(new { id = "u9", type = "prepare_sql_execute", sql = "update sample.employee set phoneno = phoneno where workdept = ?", parameters = new[] { "D11" } });
        Assert.Equal(["id", "parameter_count", "metadata", "data", "has_results", "update_count", "output_parms", "is_done", "success", "execution_time"], Keys(u));
        Assert.True(u.GetProperty("metadata").TryGetProperty("parameters", out _));
        Assert.Equal(11, u.GetProperty("update_count").GetInt32());
        Assert.True(u.GetProperty("is_done").GetBoolean());
    }

    [Fact]
    public async Task Batch_parameters_run_every_row_and_sum_update_counts()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        await c.RequestAsync(new { id = "1", type = "sql", sql = "create table sample.emu_batch (n integer)" });
        var rows = Enumerable.Range(1, 12).Select(i => new object[] { i }).ToArray();
        var b = await c.RequestAsync(new { id = "b", type = "prepare_sql_execute", sql = "insert into sample.emu_batch values (?)", parameters = rows });
        Assert.Equal(12, b.GetProperty("batch_added").GetInt32());
        Assert.Equal(12, b.GetProperty("update_count").GetInt32());
        var empty = await c.RequestAsync(new { id = "b2", type = "prepare_sql_execute", sql = "insert into sample.emu_batch values (?)", parameters = new[] { Array.Empty<object>() } });
        Assert.Equal("Internal Error: IllegalStateException", empty.GetProperty("error").GetString());
        await c.RequestAsync(new { id = "2", type = "sql", sql = "drop table sample.emu_batch" });
    }

    [Fact]
    public async Task Parameter_errors_match_jtopen_and_gson()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        const string sql = "select * from sample.employee where empno = ?";
        var many = await c.RequestAsync(new { id = "1", type = "prepare_sql_execute", sql, parameters = new[] { "a", "b" } });
        Assert.Equal("Descriptor index not valid. (2>1)", many.GetProperty("error").GetString());
        Assert.Equal("07009", many.GetProperty("sql_state").GetString());
        Assert.Equal(-99999, many.GetProperty("sql_rc").GetInt32());
        var few = await c.RequestAsync(new { id = "2", type = "prepare_sql_execute", sql, parameters = Array.Empty<object>() });
        Assert.Equal("07001", few.GetProperty("sql_state").GetString());
        var notArray = await c.RequestRawAsync("""{"id":"3","type":"prepare_sql_execute","sql":"select 1 from sysibm.sysdummy1","parameters":99}""");
        Assert.Equal("Not a JSON Array: 99", notArray.GetProperty("error").GetString());
        Assert.False(notArray.TryGetProperty("sql_state", out _));
        var obj = await c.RequestRawAsync("""{"id":"4","type":"prepare_sql_execute","sql":"select * from sample.employee where empno = ?","parameters":[{"a":1}]}""");
        Assert.Equal("JsonObject", obj.GetProperty("error").GetString());
        var missing = await c.RequestAsync(new { id = "5", type = "prepare_sql_execute", sql });
        Assert.Equal("Internal Error: NullPointerException: null", missing.GetProperty("error").GetString());
        var empty = await c.RequestAsync(new { id = "6", type = "sql", sql = "" });
        Assert.Equal("A string parameter value with zero length was detected.", empty.GetProperty("error").GetString());
        Assert.Equal("43617", empty.GetProperty("sql_state").GetString());
    }

    [Fact]
    public async Task Requests_before_connect_and_after_exit_are_not_connected()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        var q = await c.RequestAsync(new { id = "q", type = "sql", sql = "select 1 from sysibm.sysdummy1" });
        Assert.Equal(["id", "error", "success", "sql_state", "sql_rc", "execution_time"], Keys(q));
        Assert.Equal("Not connected", q.GetProperty("error").GetString());
        Assert.Equal(0, q.GetProperty("sql_rc").GetInt32());
        var ping = await c.RequestAsync(new { id = "p", type = "ping" });
        Assert.Equal(["id", "alive", "error", "success", "sql_state", "sql_rc", "execution_time"], Keys(ping));
        var dbjob = await c.RequestAsync(new { id = "j", type = "getdbjob" });
        Assert.Equal("??????/??????/??????", dbjob.GetProperty("job").GetString());

        var first = await c.RequestAsync(new { id = "c1", type = "connect" });
        var ok = await c.RequestAsync(new { id = "p2", type = "ping" });
        Assert.Equal(["id", "alive", "db_alive", "success", "execution_time"], Keys(ok));
        var second = await c.RequestAsync(new { id = "c2", type = "connect" });
        Assert.NotEqual(first.GetProperty("job").GetString(), second.GetProperty("job").GetString());
        var exit = await c.RequestAsync(new { id = "x", type = "exit" });
        Assert.True(exit.GetProperty("success").GetBoolean());
        var after = await c.RequestAsync(new { id = "q2", type = "sql", sql = "select 1 from sysibm.sysdummy1" });
        Assert.Equal("Not connected", after.GetProperty("error").GetString());
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, c.State);
    }

    [Fact]
    public async Task Version_setconfig_and_tracedata_answer_like_a_daemon()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        var v = await c.RequestAsync(new { id = "v", type = "getversion" });
        Assert.Equal("2.3.3", v.GetProperty("version").GetString());
        var s = await c.RequestAsync(new { id = "s", type = "setconfig", tracedest = "IN_MEM", tracelevel = "ON" });
        Assert.Equal(["id", "tracedest", "tracelevel", "jtopentracedest", "jtopentracelevel", "success", "execution_time"], Keys(s));
        Assert.Equal("INPUT_AND_ERRORS", s.GetProperty("tracelevel").GetString());
        var bad = await c.RequestAsync(new { id = "s2", type = "setconfig", tracelevel = "foo" });
        Assert.Equal("No enum constant com.github.ibm.mapepire.Tracer.TraceLevel.FOO", bad.GetProperty("error").GetString());
        var t = await c.RequestAsync(new { id = "t", type = "gettracedata" });
        Assert.Equal("<prohibited>", t.GetProperty("tracedata").GetString());
    }

    [Fact]
    public async Task Cl_commands_return_the_job_log()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var bad = await c.RequestAsync(new { id = "cl1", type = "cl", cmd = "INVALIDCOMMAND" });
        Assert.Equal(["id", "metadata", "data", "is_done", "error", "success", "sql_state", "sql_rc", "execution_time"], Keys(bad));
        Assert.Equal("[CPF0006] Errors occurred in command.", bad.GetProperty("error").GetString());
        Assert.Equal("38501", bad.GetProperty("sql_state").GetString());
        Assert.Equal(-443, bad.GetProperty("sql_rc").GetInt32());
        Assert.Equal(27, bad.GetProperty("metadata").GetProperty("column_count").GetInt32());
        Assert.StartsWith("CPD0030 [DIAG]", bad.GetProperty("data")[0].GetProperty("SUMMARY").GetString());
        var ok = await c.RequestAsync(new { id = "cl2", type = "cl", cmd = "WRKACTJOB" });
        Assert.True(ok.GetProperty("success").GetBoolean());
        Assert.True(ok.GetProperty("data").GetArrayLength() >= 1);
    }

    [Fact]
    public async Task Concurrent_requests_on_one_socket_can_complete_out_of_order()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var slow = c.RequestAsync(new { id = "slow", type = "sql", sql = "CALL QSYS2.QCMDEXC('DLYJOB DLY(2)')" });
        var fast = await c.RequestAsync(new { id = "fast", type = "getversion" });
        Assert.True(fast.GetProperty("success").GetBoolean());
        Assert.False(slow.IsCompleted);
        Assert.True((await slow).GetProperty("success").GetBoolean());
    }

    [Theory]
    [InlineData("/db")]
    [InlineData("/db/")]
    [InlineData("/db/anything")]
    public async Task The_websocket_answers_on_every_db_path(string path)
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host, path: path);
        var v = await c.RequestAsync(new { id = "v", type = "getversion" });
        Assert.True(v.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Websocket_pings_are_answered()
    {
        using var ws = EmulatorClient.CreateSocket(fx.Host, EmulatorClient.Basic("MCPUSER", "mcppass1"));
        // With a keep-alive timeout the client sends PING frames and aborts if no PONG comes back in time.
        ws.Options.KeepAliveInterval = TimeSpan.FromMilliseconds(100);
        ws.Options.KeepAliveTimeout = TimeSpan.FromSeconds(10);
        await ws.ConnectAsync(new Uri($"wss://localhost:{fx.Host.Port}/db/"), CancellationToken.None);
        var receive = ws.ReceiveAsync(new byte[1024], CancellationToken.None);
        await Task.Delay(600);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, ws.State);
        await ws.SendAsync("""{"id":"v","type":"getversion"}"""u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var r = await receive.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Text, r.MessageType);
    }
}
