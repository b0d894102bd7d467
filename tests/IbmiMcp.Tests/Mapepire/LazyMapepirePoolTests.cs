using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Mapepire;

public sealed class LazyMapepirePoolTests
{
    [Fact]
    public async Task The_pool_opens_once_on_first_use_and_a_failed_open_is_retried_later()
    {
        var table = new FakeTable(2);
        await using var server = FakeMapepireServer.Responding(table.Reply);
        server.UpgradeStatus = 503;
        var made = 0;
        await using var lazy = new LazyMapepirePool("mcpuser", new MapepireEndpoint("127.0.0.1", server.Port, MapepireTlsPolicy.Plain),
            () => { Interlocked.Increment(ref made); return new MapepireCredentials("MCPUSER", "mcppass1"); },
            new MapepirePoolOptions { PoolStart = 1, PoolMax = 2 });
        Assert.Null(lazy.Current);

        var down = await Assert.ThrowsAsync<MapepireException>(() => lazy.ExecuteAsync(new SqlCommand { Sql = "select * from t" }, CancellationToken.None).AsTask());
        Assert.Equal(MapepireFailure.Unreachable, down.Failure);

        server.UpgradeStatus = 101;
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => lazy.ExecuteAsync(new SqlCommand { Sql = "select * from t" }, CancellationToken.None).AsTask()));
        Assert.All(results, r => Assert.Equal(2, r.Rows.Count));
        foreach (var r in results) r.Dispose();
        Assert.Equal(2, made);
        Assert.NotNull(lazy.Current);
        Assert.Equal("MCPUSER", lazy.User);
    }
}
