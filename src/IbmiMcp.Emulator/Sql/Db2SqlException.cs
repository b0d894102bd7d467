namespace IbmiMcp.Emulator.Sql;

/// <summary>
/// Mirrors a java.sql.SQLException from JTOpen: the Mapepire reply then carries sql_state (may be null) and sql_rc.
/// </summary>
internal sealed class Db2SqlException(string message, string? sqlState, int sqlCode) : Exception(message)
{
    public string? SqlState { get; } = sqlState;
    public int SqlCode { get; } = sqlCode;

    public static Db2SqlException NotFound(string name, string schema, string type = "*FILE") =>
        new($"[SQL0204] {name} in {schema} type {type} not found.", "42704", -204);

    public static Db2SqlException ColumnNotFound(string name) =>
        new($"[SQL0206] Column or global variable {name} not found.", "42703", -206);

    public static Db2SqlException TokenNotValid(string token, string validTokens) =>
        new($"[SQL0104] Token {token} was not valid. Valid tokens: {validTokens}.", "42601", -104);

    public static Db2SqlException NotAuthorized(string name, string schema, string type = "*FILE") =>
        new($"[SQL0551] Not authorized to object {name} in {schema} type {type}.", "42501", -551);

    public static Db2SqlException Jtopen(string message, string sqlState) => new(message, sqlState, -99999);
}

/// <summary>A non-SQL failure (bad request, JSON shape): the reply has no sql_state / sql_rc keys.</summary>
internal sealed class ProtocolException(string message) : Exception(message);
