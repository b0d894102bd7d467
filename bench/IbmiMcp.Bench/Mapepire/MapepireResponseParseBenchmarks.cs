using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Mapepire;
using IbmiMcp.Mapepire.Messages;

namespace IbmiMcp.Bench.Mapepire;

/// <summary>
/// Reply parsing and row materialization for a 100 × 10 terse result (the shape MapepirePool turns into a SqlResult).
/// Budget: ≤ 50 µs per reply.
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class MapepireResponseParseBenchmarks
{
    private byte[] _reply = [];

    [GlobalSetup]
    public void Setup()
    {
        var sb = new StringBuilder();
        sb.Append("""{"id":"17","has_results":true,"update_count":-1,"metadata":{"column_count":10,"job":"123456/QUSER/QZDASOINIT","columns":[""");
        string[] types = ["CHAR", "VARCHAR", "INTEGER", "DECIMAL", "DATE", "TIMESTAMP", "VARCHAR", "SMALLINT", "DOUBLE", "VARCHAR"];
        for (var c = 0; c < 10; c++)
        {
            if (c > 0) sb.Append(',');
            sb.Append($$"""{"name":"COL{{c}}","type":"{{types[c]}}","display_size":20,"label":"COL{{c}}","precision":18,"scale":2,"autoIncrement":false,"nullable":1,"readOnly":false,"writeable":true}""");
        }
        sb.Append("]},\"data\":[");
        for (var r = 0; r < 100; r++)
        {
            if (r > 0) sb.Append(',');
            sb.Append($$"""["{{r:D6}}","CHRISTINE HAAS {{r}}",{{r * 7}},{{r + 1}}52750.00,"1995-01-01","2024-06-15 13:45:30.123456","Manager of department A00",{{r % 30}},2.718281828459045,null]""");
        }
        sb.Append("],\"is_done\":false,\"success\":true,\"execution_time\":31}\n\n");
        _reply = Encoding.UTF8.GetBytes(sb.ToString());
        Console.WriteLine($"// reply size: {_reply.Length} bytes");
    }

    /// <summary>Floor for comparison: one Utf8JsonReader pass over the same bytes, no document.</summary>
    [Benchmark(Baseline = true)]
    public int TokenizeOnly()
    {
        var reader = new Utf8JsonReader(_reply);
        var n = 0;
        while (reader.Read()) n++;
        return n;
    }

    /// <summary>JsonDocument alone, to separate its cost from ours.</summary>
    [Benchmark]
    public int DocumentOnly()
    {
        using var doc = JsonDocument.Parse(_reply.AsMemory());
        return doc.RootElement.GetArrayLengthOrZero();
    }

    /// <summary>What the pool does per block: parse into a document, read metadata, collect row elements.</summary>
    [Benchmark]
    public int ParseAndMaterialize()
    {
        using var reply = MapepireResponse.Parse(_reply, _reply.Length, pooled: false);
        var block = QueryBlock.Read(reply.Root);
        var columns = block.ReadColumns();
        var rows = new List<JsonElement>(block.RowCount);
        foreach (var row in block.Data.EnumerateArray()) rows.Add(row);
        return rows.Count + columns.Length;
    }

    /// <summary>The same plus reading every cell once, as a formatter would.</summary>
    [Benchmark]
    public int ParseMaterializeAndReadCells()
    {
        using var reply = MapepireResponse.Parse(_reply, _reply.Length, pooled: false);
        var block = QueryBlock.Read(reply.Root);
        var total = 0;
        foreach (var row in block.Data.EnumerateArray())
            foreach (var cell in row.EnumerateArray())
                total += cell.ValueKind == JsonValueKind.String ? cell.GetString()!.Length : 1;
        return total;
    }
}

internal static class JsonElementExtensions
{
    public static int GetArrayLengthOrZero(this JsonElement e) => e.ValueKind == JsonValueKind.Array ? e.GetArrayLength() : 0;
}
