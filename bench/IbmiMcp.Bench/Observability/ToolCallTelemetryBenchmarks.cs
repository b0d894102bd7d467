using System.Text.Json;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Auth;
using IbmiMcp.Mapepire;
using IbmiMcp.Observability;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Bench.Observability;

/// <summary>
/// A whole YAML tools/call (validate, bind, run on an in-memory runner, format the reference result) with
/// observability absent, configured off, and on (audit to a real file through the background writer, metrics
/// recorded). The runner answers instantly, so this is the worst case for the relative overhead: against IBM i a
/// call takes milliseconds. Target: "on" within 5 % of "off".
/// </summary>
[MemoryDiagnoser]
public class ToolCallTelemetryBenchmarks
{
    private SqlTool _tool = null!;
    private Dictionary<string, JsonElement> _arguments = null!;
    private Caller _caller = null!;
    private Telemetry _telemetry = null!;
    private AuditLog? _audit;
    private string? _directory;

    [Params("none", "off", "on")]
    public string Observability { get; set; } = "off";

    [GlobalSetup]
    public void Setup()
    {
        var loaded = ToolCatalogLoader.LoadText("bench.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              dept_employees:
                source: s
                description: Employees of a department
                statement: "SELECT EMPNO, LASTNAME, SALARY FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = :dept"
                parameters: [{name: dept, type: string, required: true}]
            """);
        _tool = loaded.Catalog!.Tools["dept_employees"];
        _arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"dept":"A00"}""")!;
        _caller = new Caller("ALICE", CallerKind.IbmiToken, new CannedRunner(), "127.0.0.1", "s-1");
        if (Observability == "on")
        {
            _directory = Directory.CreateTempSubdirectory("audit-bench-").FullName;
            _audit = new AuditLog(new RotatingFileAuditSink(Path.Combine(_directory, "audit.log"), 64L * 1024 * 1024, keep: 2), TimeProvider.System);
            var metrics = new ServerMetrics();
            metrics.SetToolNames(["dept_employees"]);
            _telemetry = new Telemetry(_audit, metrics);
        }
        else
        {
            _telemetry = Telemetry.Off;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_audit is not null)
        {
            _audit.Dispose();
            Console.WriteLine($"// audit lines written: {_audit.Written}, dropped: {_audit.Dropped}");
        }
        if (_directory is not null) Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public async Task<CallToolResult> ToolsCall()
    {
        if (Observability == "none")
            return await SqlToolExecutor.InvokeAsync(_tool, _arguments, _caller.Sql!, CancellationToken.None);
        var scope = _telemetry.BeginToolCall(_tool.Name, _arguments, _caller, "bench");
        return await scope.Complete(SqlToolExecutor.InvokeAsync(_tool, _arguments, scope.Caller.Sql!, CancellationToken.None));
    }

    /// <summary>Three rows of a canned result, parsed once; each call gets a fresh SqlResult over the same elements.</summary>
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
