namespace IbmiMcp.Mapepire;

/// <summary>Result-set column metadata as Mapepire reports it (spec §4.1).</summary>
public sealed record SqlColumn(string Name, string Type, string Label, int DisplaySize, int Precision, int Scale);
