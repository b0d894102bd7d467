using System.Security.Cryptography;

namespace IbmiMcp.Observability;

/// <summary>
/// A short reference that ties an internal error's answer to its log line: the client sees only
/// "Internal error (ref 3f9c2a7e)…", the operator greps the log for the same eight characters and finds the
/// exception with its stack. Random, so it tells nothing about the server.
/// </summary>
internal static class ErrorReference
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>The text a client gets for an internal error: no internals, the reference to report.</summary>
    public static string Message(string reference) => $"Internal error (ref {reference}); the server log has the details under this reference.";
}
