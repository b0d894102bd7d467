namespace IbmiMcp.Cli;

/// <summary>
/// The exit codes of every verb of the binary, in one table. The <c>ibmi</c> verbs use the reference CLI's numbers, so
/// scripts written for it keep working; <c>serve</c>, <c>tools validate</c> and <c>healthcheck</c> use the same meanings
/// (0 ok, 1 failure, 2 usage). <c>token</c> and <c>keygen</c> keep the codes they were published with (below).
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>IBM i unreachable, TLS refused, a timeout, the connection lost, an object not found, a setting the
    /// server refuses, a server that is not healthy, YAML that does not load, or anything unexpected.</summary>
    public const int General = 1;
    /// <summary>An unknown verb or option, a missing or malformed value.</summary>
    public const int Usage = 2;
    /// <summary>The statement failed on IBM i (SQLSTATE/SQLCODE in the message).</summary>
    public const int Sql = 3;
    /// <summary>Refused before it ran: a write in read-only mode, a statement the security checks refuse.</summary>
    public const int Security = 4;
    /// <summary>IBM i refused the user or password, or no password is available.</summary>
    public const int Authentication = 5;

    /// <summary><c>ibmi-mcp token</c>: the server refused the sign-on (the reference's helper exits 0 then). The token
    /// verb reports usage, configuration and network errors as <see cref="General"/>, as it always has.</summary>
    public const int TokenRefused = 2;

    /// <summary><c>ibmi-mcp keygen</c> reports a bad option like any other failure: <see cref="General"/>.</summary>
    public const int KeygenUsage = General;

    /// <summary>The <c>ibmi</c> verbs' table, as their help prints it.</summary>
    public const string Summary = "0 ok · 1 connection/other · 2 usage · 3 SQL error · 4 refused (read-only) · 5 sign-on refused";
}
