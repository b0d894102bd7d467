namespace IbmiMcp.Emulator.Sql;

/// <summary>Output of a table function: either a static table to read instead, or generated rows with Db2 column types.</summary>
internal sealed class TableData
{
    public string? StaticName { get; init; }
    public IReadOnlyList<(string Name, string Type)> Columns { get; init; } = [];
    public List<object?[]> Rows { get; init; } = [];

    public static TableData Static(string qualified) => new() { StaticName = qualified };
}
