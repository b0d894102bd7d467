using IbmiMcp.Configuration;

namespace IbmiMcp.Cli;

internal static partial class TokenCommand
{
    /// <summary>
    /// The .env the client reads: MCP_SERVER_CONFIG when set, else ./.env (the reference client reads only ./.env).
    /// As with dotenv, values already in the process environment win; the caller applies that rule.
    /// </summary>
    internal static class DotEnv
    {
        public static Dictionary<string, string> Load(Func<string, string?> getEnv, out string? path)
        {
            path = getEnv("MCP_SERVER_CONFIG") is { Length: > 0 } configured ? Path.GetFullPath(configured) : Path.GetFullPath(".env");
            if (!File.Exists(path))
            {
                path = null;
                return new Dictionary<string, string>(StringComparer.Ordinal);
            }
            // Malformed lines are skipped: the client only needs three values, and the server reports bad lines.
            return DotEnvFile.Parse(File.ReadAllText(path), path, []);
        }
    }
}
