namespace IbmiMcp.Emulator.Sql;

/// <summary>A JSON number already formatted (DECIMAL keeps its scale, e.g. 1000.00, as Gson writes BigDecimal).</summary>
internal readonly record struct RawNumber(string Text);
