namespace IbmiMcp.Emulator.Sql;

internal sealed record ColumnInfo(string Name, Db2Type Type, bool Nullable, string? Default, int Ordinal);

/// <summary>A table or view as the emulated catalog knows it. Kind: T table, V view, P physical file, L logical (index).</summary>
internal sealed record TableInfo(string Schema, string Name, char Kind, string? Text, IReadOnlyList<ColumnInfo> Columns, string? Sql, long Rows)
{
    public ColumnInfo? Column(string name)
    {
        foreach (var c in Columns)
            if (c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return c;
        return null;
    }
}

internal sealed record IndexInfo(string Schema, string Name, string Table, bool Unique, IReadOnlyList<string> Columns);

/// <summary>An immutable snapshot of all schemas, swapped atomically after DDL.</summary>
internal sealed class CatalogSnapshot
{
    public static readonly CatalogSnapshot Empty = new([], [], []);

    public CatalogSnapshot(IReadOnlyList<string> schemas, IReadOnlyList<TableInfo> tables, IReadOnlyList<IndexInfo> indexes)
    {
        Schemas = schemas;
        Tables = tables;
        Indexes = indexes;
        foreach (var t in tables)
        {
            ByQualified[t.Schema + "." + t.Name] = t;
            if (!ByName.TryGetValue(t.Name, out var list)) ByName[t.Name] = list = [];
            list.Add(t);
        }
    }

    public IReadOnlyList<string> Schemas { get; }
    public IReadOnlyList<TableInfo> Tables { get; }
    public IReadOnlyList<IndexInfo> Indexes { get; }
    public Dictionary<string, TableInfo> ByQualified { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, List<TableInfo>> ByName { get; } = new(StringComparer.OrdinalIgnoreCase);

    public TableInfo? Find(string schema, string name) => ByQualified.GetValueOrDefault(schema + "." + name);

    public TableInfo? FindAny(string name) => ByName.TryGetValue(name, out var l) && l.Count > 0 ? l[0] : null;
}
