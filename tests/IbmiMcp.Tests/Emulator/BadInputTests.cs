using System.Net.WebSockets;
using System.Text;
using IbmiMcp.Emulator;

namespace IbmiMcp.Tests.Emulator;

public sealed class BadInputTests(EmulatorFixture fx) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task Unparseable_frames_get_the_unparseable_error()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        foreach (var bad in new[] { "not json", "[1,2]", "42", "{\"id\":\"a\"} {\"id\":\"b\"}" })
        {
            await c.SendTextAsync(bad);
            string frame;
            do { frame = (await c.NextFrameAsync())!; } while (!frame.Contains("unparseable", StringComparison.Ordinal));
            Assert.Matches("^\\{\"id\":\"unparseable_\\d+\",\"unparseable\":", frame);
            Assert.Contains("\"success\":false", frame);
            Assert.Contains("Non-parseable request: '", frame);
        }
    }

    [Fact]
    public async Task Missing_id_or_type_gets_the_incomplete_error()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        await c.SendTextAsync("""{"type":"sql","sql":"x"}""");
        string frame = (await c.NextFrameAsync())!;
        Assert.Matches("^\\{\"id\":\"incomplete_\\d+\",\"incomplete\":", frame);
        Assert.Contains("Request is missing required fields (most likely 'id' or 'type')", frame);
    }

    [Fact]
    public async Task Unknown_types_are_reported_and_numeric_ids_come_back_as_strings()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        var r = await c.RequestAsync(new { id = "x", type = "getdb2jobs" });
        Assert.Equal("Unknown request type: getdb2jobs", r.GetProperty("error").GetString());
        Assert.False(r.TryGetProperty("sql_state", out _));
        var n = await c.RequestRawAsync("""{"id":123,"type":"getversion"}""", "123");
        Assert.Equal("123", n.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Binary_frames_are_ignored()
    {
        await using var c = await EmulatorClient.OpenAsync(fx.Host);
        await c.SendBinaryAsync(Encoding.UTF8.GetBytes("""{"id":"b","type":"getversion"}"""));
        var r = await c.RequestAsync(new { id = "t", type = "getversion" });
        Assert.True(r.GetProperty("success").GetBoolean());
        Assert.Equal(WebSocketState.Open, c.State);
    }

    [Fact]
    public async Task Frames_over_the_size_limit_close_the_socket_with_1009()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, MaxMessageBytes = 1024 });
        await using var c = await EmulatorClient.OpenAsync(host);
        await c.SendTextAsync("{\"id\":\"big\",\"type\":\"sql\",\"sql\":\"" + new string('x', 5000) + "\"}");
        await c.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, c.CloseStatus);
        await using var again = await EmulatorClient.OpenAsync(host);
        Assert.True((await again.RequestAsync(new { id = "v", type = "getversion" })).GetProperty("success").GetBoolean());
    }

    [Theory]
    [InlineData("select * from scooby", "[SQL0204] SCOOBY in MCPUSER type *FILE not found.", "42704", -204)]
    [InlineData("select * from nolib.scooby", "[SQL0204] SCOOBY in NOLIB type *FILE not found.", "42704", -204)]
    [InlineData("select nosuch from sample.employee", "[SQL0206] Column or global variable NOSUCH not found.", "42703", -206)]
    [InlineData("a", "[SQL0104] Token A was not valid. Valid tokens: ( CL END GET SET TAG CALL DROP FREE HOLD LOCK OPEN WITH ALTER.", "42601", -104)]
    [InlineData("call nolib.noproc()", "[SQL0204] NOPROC in NOLIB type *N not found.", "42704", -204)]
    [InlineData("select decimal('abc', 5, 2) from sysibm.sysdummy1", "[SQL0420] Character in CAST argument not valid.", "22018", -420)]
    [InlineData("select 1 from sysibm.sysdummy1; drop table sample.act", "[SQL0104] Token ; was not valid. Valid tokens: <END-OF-STATEMENT>.", "42601", -104)]
    [InlineData("attach database '/tmp/x.db' as x", "[SQL0104] Token ATTACH was not valid. Valid tokens: ( CL END GET SET TAG CALL DROP FREE HOLD LOCK OPEN WITH ALTER.", "42601", -104)]
    [InlineData("pragma table_info(employee)", "[SQL0104] Token PRAGMA was not valid. Valid tokens: ( CL END GET SET TAG CALL DROP FREE HOLD LOCK OPEN WITH ALTER.", "42601", -104)]
    [InlineData("select 'open from sysibm.sysdummy1", "[SQL0010] String constant beginning 'open from sysibm.sysdummy1 not delimited.", "42603", -10)]
    public async Task Engine_errors_are_mapped_to_db2_messages(string sql, string error, string state, int code)
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "e", type = "sql", sql });
        Assert.Equal(error, r.GetProperty("error").GetString());
        Assert.Equal(state, r.GetProperty("sql_state").GetString());
        Assert.Equal(code, r.GetProperty("sql_rc").GetInt32());
    }

    [Fact]
    public async Task A_numeric_sql_value_is_run_as_text()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = await c.RequestRawAsync("""{"id":"n","type":"sql","sql":666}""");
        Assert.Contains("Token 666 was not valid", r.GetProperty("error").GetString());
    }
}
