using System.Text.Json;

namespace IbmiMcp.Tests.Emulator;

public sealed class PagingTests(EmulatorFixture fx) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task Is_done_is_false_when_exactly_rows_remain_and_the_next_block_is_empty()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var first = await c.RequestAsync(new { id = "q", type = "sql", sql = "select deptno from sample.department", rows = 7 });
        Assert.False(first.GetProperty("is_done").GetBoolean());
        var second = await c.RequestAsync(new { id = "m1", type = "sqlmore", cont_id = "q", rows = 7 });
        Assert.Equal(["id", "data", "is_done", "success", "execution_time"], second.EnumerateObject().Select(p => p.Name));
        Assert.Equal(7, second.GetProperty("data").GetArrayLength());
        Assert.False(second.GetProperty("is_done").GetBoolean());
        var third = await c.RequestAsync(new { id = "m2", type = "sqlmore", cont_id = "q", rows = 7 });
        Assert.Equal(0, third.GetProperty("data").GetArrayLength());
        Assert.True(third.GetProperty("is_done").GetBoolean());
        var again = await c.RequestAsync(new { id = "m3", type = "sqlmore", cont_id = "q", rows = 7 });
        Assert.True(again.GetProperty("success").GetBoolean());
        Assert.True(again.GetProperty("is_done").GetBoolean());
    }

    [Fact]
    public async Task Paging_reads_all_42_employees_once()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var seen = new List<string>();
        var r = await c.RequestAsync(new { id = "q", type = "prepare_sql_execute", sql = "select empno from sample.employee order by empno", parameters = Array.Empty<object>(), rows = 5 });
        int n = 0;
        while (true)
        {
            seen.AddRange(r.GetProperty("data").EnumerateArray().Select(x => x.GetProperty("EMPNO").GetString()!));
            if (r.GetProperty("is_done").GetBoolean()) break;
            r = await c.RequestAsync(new { id = "m" + n++, type = "sqlmore", cont_id = "q", rows = 30 });
        }
        Assert.Equal(42, seen.Count);
        Assert.Equal(42, seen.Distinct().Count());
    }

    [Fact]
    public async Task Rows_zero_or_negative_returns_an_empty_unfinished_block_and_bad_rows_default_to_1000()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var zero = await c.RequestAsync(new { id = "z", type = "sql", sql = "select * from sample.employee", rows = 0 });
        Assert.Equal(0, zero.GetProperty("data").GetArrayLength());
        Assert.False(zero.GetProperty("is_done").GetBoolean());
        var neg = await c.RequestAsync(new { id = "n", type = "sql", sql = "select * from sample.employee", rows = -1 });
        Assert.Equal(0, neg.GetProperty("data").GetArrayLength());
        var junk = await c.RequestRawAsync("""{"id":"j","type":"sql","sql":"select * from sample.employee","rows":"s"}""");
        Assert.Equal(42, junk.GetProperty("data").GetArrayLength());
        Assert.True(junk.GetProperty("is_done").GetBoolean());
        var text = await c.RequestRawAsync("""{"id":"t","type":"sql","sql":"select * from sample.employee","rows":"5"}""");
        Assert.Equal(5, text.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Terse_gives_arrays_and_sqlmore_inherits_it()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "q", type = "sql", sql = "select deptno, deptname from sample.department order by deptno", rows = 1, terse = true });
        Assert.Equal(JsonValueKind.Array, r.GetProperty("data")[0].ValueKind);
        Assert.Equal("A00", r.GetProperty("data")[0][0].GetString());
        var m = await c.RequestAsync(new { id = "m", type = "sqlmore", cont_id = "q", rows = 1, terse = false });
        Assert.Equal("B01", m.GetProperty("data")[0][0].GetString());
    }

    [Fact]
    public async Task Sqlclose_removes_the_cursor()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        await c.RequestAsync(new { id = "q", type = "sql", sql = "select * from sample.employee", rows = 1 });
        var close = await c.RequestAsync(new { id = "x", type = "sqlclose", cont_id = "q" });
        Assert.Equal(["id", "success", "execution_time"], close.EnumerateObject().Select(p => p.Name));
        var more = await c.RequestAsync(new { id = "m", type = "sqlmore", cont_id = "q" });
        Assert.Equal("Bad request: invalid correlation ID", more.GetProperty("error").GetString());
        var noId = await c.RequestAsync(new { id = "m2", type = "execute", parameters = Array.Empty<object>() });
        Assert.Equal("Bad request: Correlation ID not specified", noId.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Default_block_size_is_1000_rows()
    {
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "q", type = "sql", sql = "select * from qsys2.syscolumns2" });
        int count = r.GetProperty("data").GetArrayLength();
        Assert.True(count == 1000 || r.GetProperty("is_done").GetBoolean(), $"{count} rows");
    }
}
