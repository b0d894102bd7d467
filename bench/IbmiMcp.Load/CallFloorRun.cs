using System.Diagnostics;
using IbmiMcp.Configuration;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Load;

/// <summary>
/// `--call-floor SECONDS`: what a tools/call of the one-row tool cannot skip, without HTTP and MCP around it — the
/// statement run through the server's own pool (its defaults: poolstart 2, poolmax 10, the query deadline) over TLS
/// with the emulator's certificate pinned, by 32 concurrent callers as the load's 32 connections do. CPU per call beside
/// the server's CPU per tools/call is what Kestrel, the MCP envelope, the tool and the result's shaping add
/// (bench/RESULTS.md, issue 28). Run it with tiered compilation off so that the measured window compiles nothing.
/// </summary>
internal static class CallFloorRun
{
    public static async Task<(double CpuMs, double PerSecond)> RunAsync(string host, int port, string caPath, int seconds, int callers = 32)
    {
        var endpoint = new MapepireEndpoint(host, port, MapepireTlsPolicy.PinnedFromFile(caPath));
        await using var pool = await MapepirePool.OpenAsync(endpoint, new MapepireCredentials("MCPUSER", "mcppass1"),
            MapepirePoolOptions.FromServer(new ServerOptions()));
        var command = new SqlCommand { Sql = "SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1", Rows = 100, ClientTag = "ping" };
        long calls = 0;
        var measuring = false;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var result = await pool.ExecuteAsync(command, CancellationToken.None);
                if (Volatile.Read(ref measuring)) Interlocked.Increment(ref calls);
            }
        })).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        Volatile.Write(ref measuring, true);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, false);
        process.Refresh();
        var cpu = process.TotalProcessorTime - before;
        var elapsed = Stopwatch.GetElapsedTime(started);
        var counted = Interlocked.Read(ref calls);
        stop.Cancel();
        await Task.WhenAll(workers);
        return (cpu.TotalMilliseconds / counted, counted / elapsed.TotalSeconds);
    }
}
