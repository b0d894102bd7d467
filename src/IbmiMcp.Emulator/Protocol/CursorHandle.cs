using IbmiMcp.Emulator.Sql;

namespace IbmiMcp.Emulator.Protocol;

/// <summary>What a request id names on a socket: an open cursor and/or a prepared statement.</summary>
internal sealed class CursorHandle(string sql, bool terse)
{
    public string Sql { get; } = sql;
    public bool Terse { get; } = terse;
    public ResultCursor? Cursor { get; set; }
    public bool Prepared { get; init; }
}
