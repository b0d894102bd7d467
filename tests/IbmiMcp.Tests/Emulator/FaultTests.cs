using System.Net.WebSockets;
using IbmiMcp.Emulator;

namespace IbmiMcp.Tests.Emulator;

/// <summary>Each test owns its emulator: fault knobs are host-wide.</summary>
public sealed class FaultTests
{
    private static Task<EmulatorHost> Start() => EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });

    [Fact]
    public async Task Faults_are_off_by_default()
    {
        var f = new EmulatorFaults();
        Assert.Equal(0, f.LatencyMs);
        Assert.Equal(0, f.DropAfterRequests);
        Assert.Equal(0, f.DropProbability);
        Assert.False(f.RefuseConnections);
        Assert.Equal(0, f.StallMs);
    }

    [Fact]
    public async Task Drop_after_n_requests_aborts_the_socket_on_the_next_one()
    {
        await using var host = await Start();
        host.Faults.DropAfterRequests = 2;
        await using var c = await EmulatorClient.OpenAsync(host);
        Assert.True((await c.RequestAsync(new { id = "1", type = "getversion" })).GetProperty("success").GetBoolean());
        Assert.True((await c.RequestAsync(new { id = "2", type = "getversion" })).GetProperty("success").GetBoolean());
        await Assert.ThrowsAnyAsync<Exception>(() => c.RequestAsync(new { id = "3", type = "getversion" }));
        await c.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        for (int i = 0; i < 200 && host.OpenSockets > 0; i++) await Task.Delay(20);
        Assert.Equal(0, host.OpenSockets);
        Assert.Equal(1, host.TotalSocketsClosed);
    }

    [Fact]
    public async Task Drop_probability_one_drops_every_socket_on_its_first_request()
    {
        await using var host = await Start();
        host.Faults.Seed = 42;
        host.Faults.DropProbability = 1.0;
        await using var c = await EmulatorClient.OpenAsync(host);
        await Assert.ThrowsAnyAsync<Exception>(() => c.RequestAsync(new { id = "1", type = "getversion" }));
        host.Faults.Reset();
        await using var d = await EmulatorClient.OpenAsync(host);
        Assert.True((await d.RequestAsync(new { id = "1", type = "getversion" })).GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Refused_connections_fail_the_upgrade()
    {
        await using var host = await Start();
        host.Faults.RefuseConnections = true;
        await Assert.ThrowsAnyAsync<WebSocketException>(() => EmulatorClient.OpenAsync(host));
        host.Faults.RefuseStatusCode = 503;
        await Assert.ThrowsAnyAsync<WebSocketException>(() => EmulatorClient.OpenAsync(host));
        host.Faults.RefuseConnections = false;
        await using var c = await EmulatorClient.OpenAsync(host);
        Assert.Equal(WebSocketState.Open, c.State);
    }

    [Fact]
    public async Task A_stalled_request_type_never_answers_while_others_do()
    {
        await using var host = await Start();
        var (c, _) = await EmulatorClient.ConnectAsync(host);
        await using var _c = c;
        host.Faults.StallMs = -1;
        host.Faults.StallRequestType = "sql";
        var stalled = c.RequestAsync(new { id = "s", type = "sql", sql = "select 1 from sysibm.sysdummy1" });
        var other = await c.RequestAsync(new { id = "v", type = "getversion" });
        Assert.True(other.GetProperty("success").GetBoolean());
        Assert.False(stalled.IsCompleted);
    }

    [Fact]
    public async Task Latency_and_delayed_stalls_still_answer()
    {
        await using var host = await Start();
        host.Faults.LatencyMs = 20;
        host.Faults.StallMs = 20;
        var (c, _) = await EmulatorClient.ConnectAsync(host);
        await using var _c = c;
        var r = await c.RequestAsync(new { id = "q", type = "sql", sql = "select count(*) as N from sample.employee" });
        Assert.Equal(42, r.GetProperty("data")[0].GetProperty("N").GetInt32());
    }

    [Fact]
    public async Task The_host_counts_opened_and_closed_sockets()
    {
        await using var host = await Start();
        var a = await EmulatorClient.OpenAsync(host);
        var b = await EmulatorClient.OpenAsync(host);
        await a.RequestAsync(new { id = "1", type = "getversion" });
        await b.RequestAsync(new { id = "1", type = "getversion" });
        Assert.Equal(2, host.OpenSockets);
        await a.DisposeAsync();
        await b.DisposeAsync();
        for (int i = 0; i < 200 && host.OpenSockets > 0; i++) await Task.Delay(20);
        Assert.Equal(0, host.OpenSockets);
        Assert.Equal(2, host.TotalSocketsOpened);
        Assert.Equal(2, host.TotalSocketsClosed);
    }
}
