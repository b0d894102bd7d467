namespace IbmiMcp.Cli;

internal static partial class TokenCommand
{
    /// <summary>
    /// The few .env lines the token client needs (KEY=VALUE, optional <c>export</c>, quotes, # comments). Like dotenv,
    /// values already in the process environment win. MCP_SERVER_CONFIG names the file; else ./.env.
    /// </summary>
    internal static class DotEnv
    {
        public static Dictionary<string, string> Load(Func<string, string?> getEnv, out string? path)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            path = getEnv("MCP_SERVER_CONFIG") is { Length: > 0 } configured ? Path.GetFullPath(configured) : Path.GetFullPath(".env");
            if (!File.Exists(path))
            {
                path = null;
                return values;
            }
            foreach (var raw in File.ReadLines(path))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
                int eq = line.IndexOf('=');
                if (eq <= 0) continue;
                var key = line[..eq].Trim();
                var value = line[(eq + 1)..].Trim();
                if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
                    value = value[1..^1];
                else if (value.IndexOf(" #", StringComparison.Ordinal) is int hash and >= 0)
                    value = value[..hash].TrimEnd();
                values[key] = value;
            }
            return values;
        }
    }
}
