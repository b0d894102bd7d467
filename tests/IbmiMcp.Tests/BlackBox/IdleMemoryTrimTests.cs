using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IbmiMcp.Auth;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Auth;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// The server gives a burst's memory back once it is quiet (Memory/IdleMemoryTrimmer), against the real binary: a burst
/// of parallel sign-ons whose pools then close their connections, then silence; the server must log the trim with a
/// smaller RSS after it than before, its RSS must really be lower, and every session must still work afterwards.
/// </summary>
public sealed partial class IdleMemoryTrimTests : IAsyncLifetime
{
    // In-flight sign-ons of one profile count as failures until they end (SignOnLimiter), so the burst spreads over users.
    private const int Users = 16;
    private EmulatorHost _emulator = null!;
    private TestKeys _keys = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        for (var i = 0; i < Users; i++) _emulator.Users.Add($"TRIM{i}", $"trim{i}pass");
        _keys = new TestKeys();
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        _keys.Dispose();
    }

    [GeneratedRegex(@"returned memory to the system \(RSS (\d+) -> (\d+) MiB in (\d+) ms\)")]
    private static partial Regex TrimLine();

    [Fact]
    public async Task After_a_burst_of_sign_ons_a_quiet_server_returns_memory_and_keeps_every_session()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?>(IbmiSignOn.Environment(_keys, _emulator.Port))
        {
            ["IBMI_ENABLE_EXECUTE_SQL"] = "true", ["MCP_SESSION_MODE"] = "stateless", ["IBMI_AUTH_MAX_CONCURRENT_SESSIONS"] = "10000",
            ["MCP_POOL_IDLE_TIMEOUT_MS"] = "2000", ["MCP_MEMORY_TRIM_INTERVAL_MS"] = "500", ["MCP_LOG_LEVEL"] = "info",
        });
        using var client = server.CreateClient();

        // The burst: many TLS connections to IBM i open at once, each pool closing its connection 2 s after its sign-on.
        var tokens = new string[600];
        await Parallel.ForAsync(0, Users, async (u, _) =>
        {
            for (var i = u; i < tokens.Length; i += Users)
                tokens[i] = await IbmiSignOn.TokenAsync(client, $"TRIM{u}", $"trim{u}pass", poolStart: 1, poolMax: 2);
        });

        // The state the assertions are about: every pool has closed its connection (the emulator sees no socket) and
        // the server is quiet. Trims may already have run while pools were still closing; that is allowed and judged
        // below too. Only once nothing moves is what the trimmer promises deterministic.
        for (var i = 0; i < 600 && _emulator.OpenSockets > 0; i++) await Task.Delay(100);
        Assert.True(_emulator.OpenSockets == 0, $"{_emulator.OpenSockets} IBM i connections still open 60 s after the burst");
        var trims = await SettledTrimsAsync(server);

        Assert.True(trims.Count > 0, $"no trim was logged after the burst (RSS now {ResidentMiB(server.Pid)} MiB)");
        // A trim that ran while pools were still closing may have been outgrown at once; one at least gave memory back.
        Assert.Contains(trims, t => t.After < t.Before);
        // The trimmer's promise to a quiet server: it never stays GrowthBytes above where its last trim left it (else the
        // next quiet tick trims again). Read from outside, so the log cannot claim what the process does not show.
        var lastAfter = trims[^1].After;
        var now = ResidentMiB(server.Pid);
        // (+1: both figures are whole MiB, rounded down.)
        Assert.True(now < lastAfter + (IbmiMcp.Memory.IdleMemoryTrimmer.GrowthBytes >> 20) + 1,
            $"RSS now {now} MiB, last trim left {lastAfter} MiB: {string.Join("; ", trims.Select(t => t.Line))}");

        // Nothing a session needs was given back: the first and the last token still run a statement (reopening their pool).
        foreach (var token in new[] { tokens[0], tokens[^1] })
        {
            var (status, isError, text, row) = await McpCall.ExecuteSqlAsync(client, "SELECT USER AS ME FROM SYSIBM.SYSDUMMY1", token);
            Assert.True(status == HttpStatusCode.OK && !isError, text);
            Assert.StartsWith("TRIM", row!.Value.GetProperty("ME").GetString()!.Trim());
        }
    }


    /// <summary>The trims logged so far, once no new one has come for several trim intervals (the server is quiet).</summary>
    private static async Task<List<(long Before, long After, string Line)>> SettledTrimsAsync(ServerProcess server)
    {
        var seen = -1;
        var stableSince = DateTime.UtcNow;
        for (var i = 0; i < 600; i++)
        {
            var count = TrimLine().Matches(server.Stderr).Count;
            if (count != seen) { seen = count; stableSince = DateTime.UtcNow; }
            // 4 s = 8 trim intervals of 500 ms without a new trim, and at least one trim (or 30 s without any).
            else if (DateTime.UtcNow - stableSince > TimeSpan.FromSeconds(count > 0 ? 4 : 30)) break;
            await Task.Delay(100);
        }
        return TrimLine().Matches(server.Stderr).Select(m => (
            long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Value)).ToList();
    }

    private static long ResidentMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return 0;
    }
}
