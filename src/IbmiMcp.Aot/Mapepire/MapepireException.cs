namespace IbmiMcp.Mapepire;

/// <summary>
/// A failed Mapepire operation. <see cref="Exception.Message"/> is the server's text (e.g.
/// "[SQL0204] X in Y type *FILE not found.") or a client-side explanation; it never contains credentials.
/// </summary>
public sealed class MapepireException : Exception
{
    public MapepireException(MapepireFailure failure, string message, string? sqlState = null, int sqlCode = 0, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        SqlState = sqlState;
        SqlCode = sqlCode;
    }

    public MapepireFailure Failure { get; }

    /// <summary>The 5-character SQLSTATE when the server sent one (may be null even for SQL errors).</summary>
    public string? SqlState { get; }

    /// <summary>The negative SQLCODE (sql_rc), 0 when none.</summary>
    public int SqlCode { get; }

    /// <summary>True when retrying on another connection may succeed.</summary>
    public bool IsTransient => Failure is MapepireFailure.ConnectionLost or MapepireFailure.Timeout
        or MapepireFailure.PoolExhausted or MapepireFailure.Unreachable;
}
