namespace IbmiMcp.Tests.Emulator;

public sealed class IdentityTests(EmulatorFixture fx) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task Salary_review_is_readable_by_alice_only()
    {
        var (alice, _) = await EmulatorClient.ConnectAsync(fx.Host, "ALICE", "alice123");
        var (bob, _) = await EmulatorClient.ConnectAsync(fx.Host, "BOB", "bob12345");
        await using var _a = alice;
        await using var _b = bob;
        var a = await alice.RequestAsync(new { id = "a", type = "sql", sql = "select * from hr.salary_review" });
        Assert.True(a.GetProperty("success").GetBoolean());
        Assert.Equal(6, a.GetProperty("data").GetArrayLength());
        var b = await bob.RequestAsync(new { id = "b", type = "sql", sql = "select r.comments from hr.salary_review r join sample.employee e on e.empno = r.empno" });
        Assert.Equal("[SQL0551] Not authorized to object SALARY_REVIEW in HR type *FILE.", b.GetProperty("error").GetString());
        Assert.Equal("42501", b.GetProperty("sql_state").GetString());
        Assert.Equal(-551, b.GetProperty("sql_rc").GetInt32());
        var upd = await bob.RequestAsync(new { id = "b2", type = "sql", sql = "delete from hr.salary_review" });
        Assert.Equal(-551, upd.GetProperty("sql_rc").GetInt32());
    }

    [Fact]
    public async Task Current_user_is_the_signed_on_profile_of_each_job()
    {
        var (alice, ja) = await EmulatorClient.ConnectAsync(fx.Host, "alice", "alice123");
        var (bob, jb) = await EmulatorClient.ConnectAsync(fx.Host, "bob", "bob12345");
        await using var _a = alice;
        await using var _b = bob;
        const string sql = "select current user as CU, user as U, session_user as SU from sysibm.sysdummy1";
        var a = await alice.RequestAsync(new { id = "a", type = "sql", sql });
        var b = await bob.RequestAsync(new { id = "b", type = "sql", sql });
        Assert.Equal("ALICE", a.GetProperty("data")[0].GetProperty("CU").GetString());
        Assert.Equal("ALICE", a.GetProperty("data")[0].GetProperty("SU").GetString());
        Assert.Equal("BOB", b.GetProperty("data")[0].GetProperty("U").GetString());
        Assert.NotEqual(ja, jb);
    }

    [Fact]
    public async Task Client_special_registers_follow_connect_and_wlm_set_client_info()
    {
        var (c, job) = await EmulatorClient.ConnectAsync(fx.Host, "BOB", "bob12345", application: "ibmi-mcp");
        await using var _c = c;
        const string regs = "SELECT CURRENT CLIENT_APPLNAME AS APPL, CURRENT CLIENT_USERID AS UID, CURRENT CLIENT_WRKSTNNAME AS WS, CURRENT CLIENT_ACCTNG AS ACCT, CURRENT CLIENT_PROGRAMID AS PGM FROM SYSIBM.SYSDUMMY1";
        var before = (await c.RequestAsync(new { id = "1", type = "sql", sql = regs })).GetProperty("data")[0];
        Assert.Equal("ibmi-mcp", before.GetProperty("APPL").GetString());
        Assert.Equal("BOB", before.GetProperty("UID").GetString());
        Assert.StartsWith("Mapepire server connector | Version ", before.GetProperty("PGM").GetString());

        var set = await c.RequestAsync(new { id = "2", type = "prepare_sql_execute", sql = "CALL SYSPROC.WLM_SET_CLIENT_INFO(?, NULL, ?, NULL, ?)", parameters = new[] { "agent-7", "ibmi-mcp/tool", "tool:get_employee_details" } });
        Assert.True(set.GetProperty("success").GetBoolean(), set.ToString());
        var after = (await c.RequestAsync(new { id = "3", type = "sql", sql = regs })).GetProperty("data")[0];
        Assert.Equal("agent-7", after.GetProperty("UID").GetString());
        Assert.Equal("ibmi-mcp/tool", after.GetProperty("APPL").GetString());
        Assert.Equal("tool:get_employee_details", after.GetProperty("PGM").GetString());
        Assert.Equal(before.GetProperty("WS").GetString(), after.GetProperty("WS").GetString());

        var jobs = await c.RequestAsync(new { id = "4", type = "prepare_sql_execute", sql = "SELECT JOB_NAME, AUTHORIZATION_NAME, CLIENT_APPLNAME, CLIENT_USERID, CLIENT_PROGRAMID FROM TABLE(QSYS2.ACTIVE_JOB_INFO(JOB_NAME_FILTER => 'QZDASOINIT')) X WHERE JOB_NAME = ?", parameters = new[] { job } });
        var row = jobs.GetProperty("data")[0];
        Assert.Equal("BOB", row.GetProperty("AUTHORIZATION_NAME").GetString());
        Assert.Equal("ibmi-mcp/tool", row.GetProperty("CLIENT_APPLNAME").GetString());
        Assert.Equal("agent-7", row.GetProperty("CLIENT_USERID").GetString());

        var rec = fx.Host.ClientInfo.Last(r => r.Job == job && r.Sql.Contains("ACTIVE_JOB_INFO", StringComparison.Ordinal));
        Assert.Equal("BOB", rec.User);
        Assert.Equal("ibmi-mcp/tool", rec.ApplicationName);
        Assert.Equal("agent-7", rec.ClientUserId);
        Assert.Equal("tool:get_employee_details", rec.ProgramId);
    }

    [Fact]
    public async Task Active_job_info_view_lists_live_jobs_and_forgets_closed_ones()
    {
        var (c, job) = await EmulatorClient.ConnectAsync(fx.Host, "ALICE", "alice123");
        var (watcher, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _w = watcher;
        const string sql = "select count(*) as N from qsys2.active_job_info where job_name = ?";
        var live = await watcher.RequestAsync(new { id = "1", type = "prepare_sql_execute", sql, parameters = new[] { job } });
        Assert.Equal(1, live.GetProperty("data")[0].GetProperty("N").GetInt32());
        await c.DisposeAsync();
        for (int i = 0; i < 100 && fx.Host.ActiveJobs.Contains(job); i++) await Task.Delay(20);
        var gone = await watcher.RequestAsync(new { id = "2", type = "prepare_sql_execute", sql, parameters = new[] { job } });
        Assert.Equal(0, gone.GetProperty("data")[0].GetProperty("N").GetInt32());
    }
}
