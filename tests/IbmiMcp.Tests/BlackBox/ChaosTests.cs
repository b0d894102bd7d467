using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using IbmiMcp.Emulator;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// Faults during load, against the real binary: while callers keep running tools/call, the emulator drops sockets
/// at random, stalls past the query timeout, refuses new connections, and is stopped and started again on the same
/// port. The server must never answer a wrong result; every failure is a clean JSON-RPC tool error naming IBM i
/// (HTTP 200, never 5xx); the first call after the emulator is back succeeds within a few seconds; and afterwards
/// the server holds no more sockets to IBM i than its pool's maximum.
/// </summary>
public sealed class ChaosTests : IAsyncLifetime
{
    private const int PoolMax = 10;   // the server pool's poolmax (the reference's default)
    private EmulatorHost _emulator = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        _port = _emulator.Port;
    }

    public async Task DisposeAsync() => await _emulator.DisposeAsync();

    private static async Task<(int Status, bool IsError, string Text, JsonElement? Row)> CallAsync(HttpClient client, string tag)
    {
        var (status, isError, text, row) = await McpCall.ExecuteSqlAsync(client, $"SELECT USER AS ME, '{tag}' AS TAG FROM SYSIBM.SYSDUMMY1");
        return ((int)status, isError, text, row);
    }

    [Fact]
    public async Task Faults_never_give_a_wrong_answer_nor_a_5xx_and_the_server_recovers_without_leaking()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["DB2i_HOST"] = "127.0.0.1", ["DB2i_PORT"] = _port.ToString(CultureInfo.InvariantCulture), ["DB2i_USER"] = "MCPUSER", ["DB2i_PASS"] = "mcppass1",
            ["DB2i_IGNORE_UNAUTHORIZED"] = "true", ["IBMI_ENABLE_EXECUTE_SQL"] = "true", ["MCP_SESSION_MODE"] = "stateless",
            ["MCP_POOL_QUERY_TIMEOUT_MS"] = "1000", ["MCP_POOL_ACQUIRE_TIMEOUT_MS"] = "2000",
        });
        using var client = server.CreateClient();
        Assert.False((await CallAsync(client, "warm")).IsError);

        var wrong = new ConcurrentBag<string>();
        int ok = 0, toolErrors = 0;
        using var stop = new CancellationTokenSource();
        async Task Caller(int id)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var tag = $"C{id}n{n}";
                var (status, isError, text, row) = await CallAsync(client, tag);
                if (status != 200) { wrong.Add($"HTTP {status}: {text}"); continue; }
                if (isError)
                {
                    Interlocked.Increment(ref toolErrors);
                    if (!text.Contains("IBM i", StringComparison.Ordinal)) wrong.Add($"tool error not naming IBM i: {text}");
                    continue;
                }
                Interlocked.Increment(ref ok);
                if (row!.Value.GetProperty("TAG").GetString() != tag || row.Value.GetProperty("ME").GetString()!.Trim() != "MCPUSER")
                    wrong.Add($"sent {tag}, got {row}");
            }
        }
        var callers = Enumerable.Range(0, 4).Select(Caller).ToArray();

        var faults = _emulator.Faults;
        faults.Seed = 7;
        faults.DropProbability = 0.2; await Task.Delay(800); faults.DropProbability = 0;
        faults.StallMs = 1500; faults.StallRequestType = "sql"; await Task.Delay(1500); faults.StallMs = 0; faults.StallRequestType = null;
        faults.RefuseConnections = true; await Task.Delay(800); faults.RefuseConnections = false;
        await _emulator.StopAsync();
        await Task.Delay(800);
        await _emulator.DisposeAsync();
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = _port });

        // Recovery: the time from the emulator being back to the first good answer.
        var back = Stopwatch.StartNew();
        var recovered = false;
        while (back.Elapsed < TimeSpan.FromSeconds(15) && !recovered)
            recovered = !(await CallAsync(client, "after")).IsError;
        var recovery = back.Elapsed;
        stop.Cancel();
        await Task.WhenAll(callers);

        Assert.True(wrong.IsEmpty, string.Join("\n", wrong.Take(5)));
        Assert.True(recovered, "no good answer within 15 s of the emulator coming back");
        Assert.True(ok > 0 && toolErrors > 0, $"the run saw {ok} good answers and {toolErrors} tool errors");
        // No leak: once idle, the server holds at most its pool's maximum of sockets to IBM i.
        for (var i = 0; i < 100 && _emulator.OpenSockets > PoolMax; i++) await Task.Delay(50);
        Assert.InRange(_emulator.OpenSockets, 1, PoolMax);
        Assert.False(server.HasExited);
        Console.WriteLine($"chaos: {ok} good answers, {toolErrors} tool errors, recovery {recovery.TotalMilliseconds:0} ms");
    }
}
