namespace IbmiMcp.Emulator.Sql;

/// <summary>One result column as Mapepire describes it (metadata.columns[]).</summary>
internal sealed record ColumnMeta(string Name, Db2Type Type, string Label, bool Nullable, bool ReadOnly = false, bool AutoIncrement = false);
