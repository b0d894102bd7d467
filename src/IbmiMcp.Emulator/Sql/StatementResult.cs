namespace IbmiMcp.Emulator.Sql;

/// <summary>What one execution produced: a cursor (has_results) or an update count.</summary>
internal sealed class StatementResult
{
    public ResultCursor? Cursor { get; init; }
    public long UpdateCount { get; init; } = -1;
    public bool HasResults => Cursor is not null;
}

/// <summary>Parameter marker description for prepare replies (metadata.parameters[]).</summary>
internal sealed record ParameterMeta(Db2Type Type, string Mode, string? Name);
