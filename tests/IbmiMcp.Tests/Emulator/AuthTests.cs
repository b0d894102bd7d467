using System.Net;
using System.Net.WebSockets;
using IbmiMcp.Emulator;

namespace IbmiMcp.Tests.Emulator;

public sealed class AuthTests(EmulatorFixture fx) : IClassFixture<EmulatorFixture>
{
    private static async Task<HttpStatusCode> UpgradeStatus(EmulatorHost host, string? authorization)
    {
        using var ws = EmulatorClient.CreateSocket(host, authorization);
        ws.Options.CollectHttpResponseDetails = true;
        try
        {
            await ws.ConnectAsync(new Uri($"wss://localhost:{host.Port}/db/"), CancellationToken.None);
            return ws.HttpStatusCode;
        }
        catch (WebSocketException)
        {
            return ws.HttpStatusCode;
        }
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Forbidden)]
    [InlineData("Bearer abc", HttpStatusCode.Forbidden)]
    [InlineData("basic TUNQVVNFUjptY3BwYXNzMQ==", HttpStatusCode.Forbidden)]
    [InlineData("Basic TUNQVVNFUg==", HttpStatusCode.Forbidden)] // "MCPUSER" without a colon
    [InlineData("Basic YTpiOmM=", HttpStatusCode.Forbidden)] // "a:b:c"
    [InlineData("Basic KlNFQ09GUjp4", HttpStatusCode.ServiceUnavailable)] // "*SECOFR:x"
    [InlineData("Basic OnBhc3M=", HttpStatusCode.ServiceUnavailable)] // ":pass"
    public async Task The_upgrade_checks_only_the_basic_header_shape(string? authorization, HttpStatusCode expected)
    {
        Assert.Equal(expected, await UpgradeStatus(fx.Host, authorization));
    }

    [Fact]
    public async Task A_wrong_password_is_accepted_at_upgrade_and_rejected_at_connect()
    {
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeStatus(fx.Host, EmulatorClient.Basic("BOB", "wrong")));
        await using var c = await EmulatorClient.OpenAsync(fx.Host, "bob", "wrong");
        var r = await c.RequestAsync(new { id = "c", type = "connect" });
        Assert.Equal(["id", "error", "success", "sql_state", "sql_rc", "execution_time"], r.EnumerateObject().Select(p => p.Name));
        Assert.Equal("java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (Password is not correct.:BOB)", r.GetProperty("error").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("sql_state").ValueKind);
        Assert.Equal(0, r.GetProperty("sql_rc").GetInt32());
    }

    [Fact]
    public async Task A_security_officer_disables_a_profile_and_changes_a_password_with_CHGUSRPRF()
    {
        fx.Host.Users.Add("DAVE", "dave1234");
        var (carol, _) = await EmulatorClient.ConnectAsync(fx.Host, "CAROL", "carol123");
        await using (carol)
        {
            var changed = await carol.RequestAsync(new { id = "p", type = "sql", sql = "CALL QSYS2.QCMDEXC('CHGUSRPRF USRPRF(DAVE) PASSWORD(dave5678)')" });
            Assert.True(changed.GetProperty("success").GetBoolean(), changed.ToString());
            Assert.Null(fx.Host.Users.Authenticate("DAVE", "dave5678"));
            Assert.Equal("Password is not correct.", fx.Host.Users.Authenticate("DAVE", "dave1234"));

            var disabled = await carol.RequestAsync(new { id = "d", type = "sql", sql = "CALL QSYS2.QCMDEXC('CHGUSRPRF USRPRF(DAVE) STATUS(*DISABLED)')" });
            Assert.True(disabled.GetProperty("success").GetBoolean(), disabled.ToString());
            Assert.Equal("User profile is disabled.", fx.Host.Users.Authenticate("DAVE", "dave5678"));

            var unknown = await carol.RequestAsync(new { id = "u", type = "sql", sql = "CALL QSYS2.QCMDEXC('CHGUSRPRF USRPRF(NOBODY) STATUS(*DISABLED)')" });
            Assert.Contains("CPF2204", unknown.GetProperty("error").GetString());
        }

        // Without *SECADM, IBM i refuses (BOB is a programmer).
        var (bob, _) = await EmulatorClient.ConnectAsync(fx.Host, "BOB", "bob12345");
        await using (bob)
        {
            var refused = await bob.RequestAsync(new { id = "b", type = "sql", sql = "CALL QSYS2.QCMDEXC('CHGUSRPRF USRPRF(DAVE) STATUS(*ENABLED)')" });
            Assert.False(refused.GetProperty("success").GetBoolean());
            Assert.Contains("CPF2217", refused.GetProperty("error").GetString());
            Assert.False(fx.Host.Users.IsEnabled("DAVE"));
        }
    }

    [Fact]
    public async Task An_unknown_user_gets_the_jtopen_user_id_message()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host, "fakeuser", "x");
        var r = await c.RequestAsync(new { id = "c", type = "connect" });
        Assert.Equal("java.sql.SQLNonTransientConnectionException: The application server rejected the connection. (User ID is not known.:FAKEUSER)", r.GetProperty("error").GetString());
    }

    [Fact]
    public async Task User_names_are_case_insensitive()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host, "alice", "alice123");
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "u", type = "sql", sql = "select user from sysibm.sysdummy1" });
        Assert.Equal("ALICE", r.GetProperty("data")[0].GetProperty("00001").GetString());
    }

    [Fact]
    public async Task An_invalid_technique_is_rejected()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        var r = await c.RequestAsync(new { id = "c", type = "connect", technique = "smoke-signals" });
        Assert.Equal("Invalid connection technique specified", r.GetProperty("error").GetString());
        Assert.False(r.TryGetProperty("sql_rc", out _));
    }

    [Fact]
    public async Task Qmaxsign_disables_a_profile_until_it_is_enabled_again()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, MaxSignOnAttempts = 3 });
        for (int i = 0; i < 3; i++)
        {
            await using var bad = await EmulatorClient.OpenAsync(host, "BOB", "nope" + i);
            var r = await bad.RequestAsync(new { id = "c", type = "connect" });
            Assert.False(r.GetProperty("success").GetBoolean());
        }
        Assert.False(host.Users.IsEnabled("bob"));
        await using (var good = await EmulatorClient.OpenAsync(host, "BOB", "bob12345"))
        {
            var r = await good.RequestAsync(new { id = "c", type = "connect" });
            Assert.Contains("(User profile is disabled.:BOB)", r.GetProperty("error").GetString());
        }
        host.Users.Enable("BOB");
        var (ok, _) = await EmulatorClient.ConnectAsync(host, "BOB", "bob12345");
        await ok.DisposeAsync();
    }

    [Fact]
    public async Task A_successful_sign_on_resets_the_failure_count()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, MaxSignOnAttempts = 2 });
        await using (var bad = await EmulatorClient.OpenAsync(host, "ALICE", "x"))
            await bad.RequestAsync(new { id = "c", type = "connect" });
        Assert.Equal(1, host.Users.FailedAttempts("alice"));
        var (ok, _) = await EmulatorClient.ConnectAsync(host, "ALICE", "alice123");
        await ok.DisposeAsync();
        Assert.Equal(0, host.Users.FailedAttempts("alice"));
    }

    [Fact]
    public async Task Users_come_from_a_yaml_file()
    {
        string path = Path.Combine(Path.GetTempPath(), "emu-users-" + Guid.NewGuid().ToString("N") + ".yaml");
        await File.WriteAllTextAsync(path, "users:\n  - name: carol\n    password: carol999\n");
        try
        {
            await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, UsersFile = path });
            var (c, _) = await EmulatorClient.ConnectAsync(host, "CAROL", "carol999");
            await c.DisposeAsync();
            Assert.False(host.Users.Exists("ALICE"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task Plain_ws_mode_serves_without_tls()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, Tls = false });
        Assert.Equal("ws", host.Endpoint.Scheme);
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", EmulatorClient.Basic("MCPUSER", "mcppass1"));
        await ws.ConnectAsync(host.Endpoint, CancellationToken.None);
        Assert.Equal(WebSocketState.Open, ws.State);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }
}
