using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Mapepire;
using IbmiMcp.Tools;

namespace IbmiMcp.Bench.Tools;

/// <summary>Formatting a 100 × 10 result (mixed CHAR/VARCHAR/DECIMAL/DATE/NULL cells) as JSON (target ≤ 100 µs) and markdown.</summary>
[MemoryDiagnoser]
public class ToolFormatBenchmarks
{
    private ToolCall _jsonCall = null!;
    private ToolCall _markdownCall = null!;
    private SqlResult _result = null!;

    [GlobalSetup]
    public void Setup()
    {
        const string yaml = """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              j: {source: s, description: d, statement: "SELECT * FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = :d", parameters: [{name: d, type: string}]}
              m: {source: s, description: d, statement: "SELECT * FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = :d", parameters: [{name: d, type: string}], responseFormat: markdown}
            """;
        var catalog = ToolCatalogLoader.LoadText("bench.yaml", yaml).Catalog!;
        var args = new Dictionary<string, JsonElement> { ["d"] = JsonElement.Parse("\"A00\"") };
        ToolCallPreparer.TryPrepare(catalog.Tools["j"], args, out var j, out _);
        ToolCallPreparer.TryPrepare(catalog.Tools["m"], args, out var m, out _);
        _jsonCall = j!;
        _markdownCall = m!;

        string[] types = ["CHAR", "VARCHAR", "VARCHAR", "CHAR", "DATE", "DECIMAL", "DECIMAL", "INTEGER", "CHAR", "VARCHAR"];
        var columns = types.Select((t, i) => new SqlColumn($"COLUMN_{i}", t, $"COLUMN_{i}", 12, 9, 2)).ToArray();
        var sb = new StringBuilder("[");
        for (int r = 0; r < 100; r++)
        {
            if (r > 0) sb.Append(',');
            sb.Append($"[\"{r:000000}\",\"FIRSTNAME{r}\",\"LASTNAME {r}\",\"A0{r % 10}\",\"2020-01-{r % 28 + 1:00}\",{50000 + r * 13.25:0.00},{r % 3 * 500.5:0.00},{r},{(r % 5 == 0 ? "null" : "\"Y\"")},\"Description for row {r}\"]");
        }
        sb.Append(']');
        var doc = JsonDocument.Parse(sb.ToString());
        _result = new SqlResult(columns, doc.RootElement.EnumerateArray().ToList(), true, -1, false, "1/Q/J", TimeSpan.Zero, [doc]);
    }

    [Benchmark(Baseline = true)]
    public object Json_100x10() => ToolResultFormatter.Success(_jsonCall, _result, 1.5);

    [Benchmark]
    public object Markdown_100x10() => ToolResultFormatter.Success(_markdownCall, _result, 1.5);
}
