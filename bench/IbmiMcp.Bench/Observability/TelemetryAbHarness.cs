using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Mapepire;
using IbmiMcp.Observability;
using IbmiMcp.Tools;

namespace IbmiMcp.Bench.Observability;

/// <summary>
/// tools/call throughput with audit + metrics off and on, in one run: concurrent callers run YAML tool calls on an
/// in-memory runner, and the mode alternates every slice, so machine noise (a shared 2-core box) hits both modes
/// alike. Reports the median calls/s of each mode and the difference. Run:
/// <c>dotnet run -c Release --project bench/IbmiMcp.Bench -- --telemetry-ab [seconds] [callers]</c>.
/// </summary>
internal static class TelemetryAbHarness
{
    public static void Run(string[] args)
    {
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        var callers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        var slice = TimeSpan.FromMilliseconds(250);
        var slices = (int)(seconds / slice.TotalSeconds);

        var loaded = ToolCatalogLoader.LoadText("bench.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              dept_employees:
                source: s
                description: Employees of a department
                statement: "SELECT EMPNO, LASTNAME, SALARY FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = :dept"
                parameters: [{name: dept, type: string, required: true}]
            """);
        var tool = loaded.Catalog!.Tools["dept_employees"];
        var arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"dept":"A00"}""")!;
        var caller = new Caller("ALICE", CallerKind.IbmiToken, new CannedRunner(), "127.0.0.1", "s-1");

        var directory = Directory.CreateTempSubdirectory("audit-ab-").FullName;
        using var audit = new AuditLog(new RotatingFileAuditSink(Path.Combine(directory, "audit.log"), 256L * 1024 * 1024, keep: 1), TimeProvider.System);
        using var metrics = new ServerMetrics();
        metrics.SetToolNames(["dept_employees"]);
        Telemetry[] modes = [Telemetry.Off, new Telemetry(audit, metrics)];
        var rates = new List<double>[] { [], [] };

        var mode = 0;
        var stop = false;
        long calls = 0;
        var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (!Volatile.Read(ref stop))
            {
                var telemetry = modes[Volatile.Read(ref mode)];
                var scope = telemetry.BeginToolCall(tool.Name, arguments, caller, "bench");
                await scope.Complete(SqlToolExecutor.InvokeAsync(tool, arguments, scope.Caller.Sql!, CancellationToken.None));
                Interlocked.Increment(ref calls);
            }
        })).ToArray();

        Thread.Sleep(1000);   // warm-up (tiering, pools)
        for (var i = 0; i < slices; i++)
        {
            var m = i % 2;
            Volatile.Write(ref mode, m);
            var before = Interlocked.Read(ref calls);
            var clock = Stopwatch.StartNew();
            Thread.Sleep(slice);
            rates[m].Add((Interlocked.Read(ref calls) - before) / clock.Elapsed.TotalSeconds);
        }
        Volatile.Write(ref stop, true);
        Task.WaitAll(workers);
        audit.Dispose();

        double Median(List<double> v) { var s = v.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
        var off = Median(rates[0]);
        var on = Median(rates[1]);
        Console.WriteLine($"callers {callers}, {slices} slices of {slice.TotalMilliseconds} ms alternating off/on");
        Console.WriteLine($"off: median {off:F0} calls/s (min {rates[0].Min():F0}, max {rates[0].Max():F0})");
        Console.WriteLine($"on:  median {on:F0} calls/s (min {rates[1].Min():F0}, max {rates[1].Max():F0})");
        Console.WriteLine($"difference: {(on - off) / off * 100:F1} %; audit lines {audit.Written}, dropped {audit.Dropped}");
        Directory.Delete(directory, recursive: true);
    }

    private sealed class CannedRunner : ISqlRunner
    {
        private static readonly SqlColumn[] Columns =
        [
            new("EMPNO", "CHAR", "EMPNO", 6, 6, 0), new("LASTNAME", "VARCHAR", "LASTNAME", 15, 15, 0), new("SALARY", "DECIMAL", "SALARY", 11, 9, 2),
        ];
        private static readonly JsonElement[] Rows = JsonDocument.Parse("""[["000010","HAAS",152750.00],["000110","LUCCHESSI",66500.00],["000120","O'CONNELL",49250.00]]""")
            .RootElement.EnumerateArray().ToArray();

        public string User => "ALICE";

        public ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new SqlResult(Columns, Rows, hasResults: true, updateCount: -1, truncated: false, "123456/QUSER/QZDASOINIT", TimeSpan.FromMilliseconds(1)));
    }
}
