using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Cli.Ibmi.Output;

/// <summary>One system's share of a multi-system run: how many rows it gave, how long it took, or why it failed.</summary>
internal sealed record SystemOutcome(string Name, string Host, int Rows, double ElapsedMs, string? Error);

/// <summary>
/// What a command prints: named columns and rows of JSON cells (as Mapepire sent them, or built here), plus what the
/// footer and the JSON envelope say about it. Every output format renders this one shape.
/// </summary>
internal sealed class CliTable
{
    public required string Command { get; init; }
    public List<string> Columns { get; } = [];
    /// <summary>Right-aligned in tables (numbers).</summary>
    public List<bool> Numeric { get; } = [];
    /// <summary>One cell per column; <c>default</c> is NULL.</summary>
    public List<JsonElement[]> Rows { get; } = [];
    public bool HasMore { get; set; }
    public double ElapsedMs { get; set; }
    /// <summary>For statements without a result set: rows changed.</summary>
    public long? AffectedRows { get; set; }
    public string? System { get; set; }
    public string? Host { get; set; }
    /// <summary>Set for a run over several systems (each row then starts with SYSTEM).</summary>
    public List<SystemOutcome>? Systems { get; set; }
    /// <summary>A sentence shown under the table (and as meta.message in JSON), e.g. which rows a cut answer holds.</summary>
    public string? Note { get; set; }
    /// <summary>Text shown instead of a table when there are no columns (e.g. DDL, a confirmation).</summary>
    public string? Text { get; set; }

    /// <summary>
    /// Adds a column; a name already taken (SELECT A.NAME, B.NAME) gets a suffix, NAME_2, so a JSON row keeps every
    /// column instead of one silently replacing the other.
    /// </summary>
    public void AddColumn(string name, bool numeric = false)
    {
        Columns.Add(Unique(name, Columns));
        Numeric.Add(numeric);
    }

    /// <summary>The row keys for a result's columns, each unique (see <see cref="AddColumn"/>).</summary>
    public static string[] ColumnNames(IReadOnlyList<SqlColumn> columns)
    {
        var names = new List<string>(columns.Count);
        foreach (var column in columns) names.Add(Unique(Tools.ToolResultFormatter.ColumnKey(column), names));
        return [.. names];
    }

    private static string Unique(string name, List<string> taken)
    {
        if (!taken.Contains(name)) return name;
        var n = 2;
        while (taken.Contains($"{name}_{n}")) n++;
        return $"{name}_{n}";
    }

    /// <summary>The columns and rows of a statement's result (the cells still point into it: render before disposing it).</summary>
    public void AddResult(SqlResult result, string? systemColumn = null)
    {
        if (Columns.Count == 0)
        {
            if (systemColumn is not null) AddColumn("SYSTEM");
            foreach (var column in result.Columns)
                AddColumn(Tools.ToolResultFormatter.ColumnKey(column), IsNumeric(column.Type));
        }
        var offset = systemColumn is null ? 0 : 1;
        foreach (var row in result.Rows)
        {
            var cells = new JsonElement[Columns.Count];
            if (systemColumn is not null) cells[0] = Cell(systemColumn);
            var i = offset;
            foreach (var cell in row.EnumerateArray())
            {
                if (i >= cells.Length) break;
                cells[i++] = cell;
            }
            Rows.Add(cells);
        }
        if (!result.HasResults && result.UpdateCount >= 0)
            AffectedRows = (AffectedRows ?? 0) + result.UpdateCount;
        HasMore |= result.Truncated;
    }

    public void AddRow(params string?[] values)
    {
        var cells = new JsonElement[Columns.Count];
        for (var i = 0; i < cells.Length && i < values.Length; i++)
            cells[i] = values[i] is null ? default : Cell(values[i]!);
        Rows.Add(cells);
    }

    /// <summary>A JSON string cell.</summary>
    public static JsonElement Cell(string value) => JsonSerializer.SerializeToElement(value, CliJson.Default.String);

    public static bool IsNumeric(string type) => type.ToUpperInvariant() switch
    {
        "INTEGER" or "SMALLINT" or "BIGINT" or "DECIMAL" or "NUMERIC" or "DOUBLE" or "REAL" or "FLOAT" or "DECFLOAT" => true,
        _ => false,
    };
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class CliJson : System.Text.Json.Serialization.JsonSerializerContext;
