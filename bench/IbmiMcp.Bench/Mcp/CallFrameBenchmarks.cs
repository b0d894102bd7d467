using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Mapepire;
using IbmiMcp.Mcp;
using IbmiMcp.Tools;

namespace IbmiMcp.Bench.Mcp;

/// <summary>
/// The tail of a fast-path tools/call for a one-row YAML tool: shaping the result (ToolResultFormatter.Success) and
/// writing the SSE frame (McpFastPath.WriteCallFrame).
/// </summary>
[MemoryDiagnoser]
public class CallFrameBenchmarks
{
    private ToolCall _call = null!;
    private SqlResult _result = null!;
    private readonly ArrayBufferWriter<byte> _out = new(4096);
    private static readonly byte[] Id = "17"u8.ToArray();

    [GlobalSetup]
    public void Setup()
    {
        const string yaml = """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              ping: {source: s, description: d, statement: "SELECT 1 AS ONE FROM SYSIBM.SYSDUMMY1"}
            """;
        var catalog = ToolCatalogLoader.LoadText("bench.yaml", yaml).Catalog!;
        ToolCallPreparer.TryPrepare(catalog.Tools["ping"], null, out var call, out _);
        _call = call!;
        var doc = JsonDocument.Parse("[[1]]");
        _result = new SqlResult([new SqlColumn("ONE", "INTEGER", "ONE", 11, 10, 0)], doc.RootElement.EnumerateArray().ToList(), true, -1, false, "1/Q/J", TimeSpan.Zero, [doc]);
    }

    [Benchmark]
    public object Format() => ToolResultFormatter.Success(_call, _result, 1.5);

    [Benchmark]
    public int FormatAndFrame()
    {
        _out.ResetWrittenCount();
        McpFastPath.WriteCallFrame(_out, ToolResultFormatter.Success(_call, _result, 1.5), Id);
        return _out.WrittenCount;
    }
}
