using IbmiMcp.Mapepire;

namespace IbmiMcp.Cli;

/// <summary>A failure the command line reports as one line (or one JSON error) with its exit code.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string code, string message, string? sqlState = null, int? sqlCode = null, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
        Code = code;
        SqlState = sqlState;
        SqlCode = sqlCode;
    }

    public int ExitCode { get; }
    /// <summary>USAGE_ERROR, CONNECTION_ERROR, AUTH_FAILURE, SQL_ERROR, SECURITY_VIOLATION, TIMEOUT, NOT_FOUND, TLS_ERROR.</summary>
    public string Code { get; }
    public string? SqlState { get; }
    public int? SqlCode { get; }

    public static CliException Usage(string message) => new(ExitCodes.Usage, "USAGE_ERROR", message);

    public static CliException Security(string message) => new(ExitCodes.Security, "SECURITY_VIOLATION", message);

    public static CliException NotFound(string message) => new(ExitCodes.General, "NOT_FOUND", message);

    /// <summary>A name the command line does not know (a system, a tool): the caller fixes the command.</summary>
    public static CliException Unknown(string message) => new(ExitCodes.Usage, "NOT_FOUND", message);

    /// <summary>The Mapepire client's typed failure, named for a person: each kind has its own line and exit code.</summary>
    public static CliException From(MapepireException ex, string system) => ex.Failure switch
    {
        MapepireFailure.Authentication => new(ExitCodes.Authentication, "AUTH_FAILURE", $"{system}: IBM i refused the sign-on: {ex.Message}", inner: ex),
        MapepireFailure.Sql => new(ExitCodes.Sql, "SQL_ERROR",
            ex.SqlState is null ? ex.Message : $"{ex.Message} (SQLSTATE {ex.SqlState}, SQLCODE {ex.SqlCode})", ex.SqlState, ex.SqlCode, ex),
        MapepireFailure.Timeout => new(ExitCodes.General, "TIMEOUT", $"{system}: {ex.Message}", inner: ex),
        MapepireFailure.Tls => new(ExitCodes.General, "TLS_ERROR", $"{system}: TLS: {ex.Message}", inner: ex),
        MapepireFailure.Unreachable => new(ExitCodes.General, "CONNECTION_ERROR", $"{system}: IBM i is unreachable: {ex.Message}", inner: ex),
        _ => new(ExitCodes.General, "CONNECTION_ERROR", $"{system}: {ex.Message}", inner: ex),
    };
}
