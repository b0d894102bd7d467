using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary>
/// The block-shaped part of a <c>sql</c>, <c>prepare_sql_execute</c> or <c>sqlmore</c> reply (spec §3.2, §3.4, §3.6).
/// Fields a reply does not carry keep their defaults: sqlmore has no metadata, non-queries have no data.
/// </summary>
internal readonly struct QueryBlock
{
    public bool HasResults { get; init; }
    public long UpdateCount { get; init; }
    public bool IsDone { get; init; }
    /// <summary>The <c>data</c> array, or default when absent.</summary>
    public JsonElement Data { get; init; }
    /// <summary>The <c>metadata</c> object, or default when absent.</summary>
    public JsonElement Metadata { get; init; }

    public static QueryBlock Read(JsonElement root)
    {
        var hasResults = root.TryGetProperty("has_results"u8, out var hr) ? hr.ValueKind == JsonValueKind.True
            // sqlmore replies have no has_results but are result blocks by definition.
            : root.TryGetProperty("data"u8, out _);
        var updateCount = root.TryGetProperty("update_count"u8, out var uc) && uc.ValueKind == JsonValueKind.Number
            && uc.TryGetInt64(out var u) ? u : -1;
        // A non-query reply has no is_done key at all (spec §3.2): nothing is left to read.
        var isDone = !root.TryGetProperty("is_done"u8, out var d) || d.ValueKind != JsonValueKind.False;
        root.TryGetProperty("data"u8, out var data);
        root.TryGetProperty("metadata"u8, out var metadata);
        return new QueryBlock
        {
            HasResults = hasResults, UpdateCount = updateCount, IsDone = isDone,
            Data = data.ValueKind == JsonValueKind.Array ? data : default,
            Metadata = metadata.ValueKind == JsonValueKind.Object ? metadata : default,
        };
    }

    public int RowCount => Data.ValueKind == JsonValueKind.Array ? Data.GetArrayLength() : 0;

    public string? Job => Metadata.ValueKind == JsonValueKind.Object && Metadata.TryGetProperty("job"u8, out var j)
        && j.ValueKind == JsonValueKind.String ? j.GetString() : null;

    /// <summary>Column metadata (spec §4.1); fields older servers omit read as 0.</summary>
    public SqlColumn[] ReadColumns()
    {
        if (Metadata.ValueKind != JsonValueKind.Object || !Metadata.TryGetProperty("columns"u8, out var cols)
            || cols.ValueKind != JsonValueKind.Array)
            return [];
        var result = new SqlColumn[cols.GetArrayLength()];
        var i = 0;
        foreach (var c in cols.EnumerateArray())
        {
            var name = String(c, "name"u8) ?? "";
            result[i++] = new SqlColumn(name, String(c, "type"u8) ?? "", String(c, "label"u8) ?? name,
                Int(c, "display_size"u8), Int(c, "precision"u8), Int(c, "scale"u8));
        }
        return result;
    }

    private static string? String(JsonElement o, ReadOnlySpan<byte> name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement o, ReadOnlySpan<byte> name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : 0;
}
