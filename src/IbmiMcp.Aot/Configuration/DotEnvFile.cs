namespace IbmiMcp.Configuration;

/// <summary>
/// Reads a .env file: KEY=VALUE lines, optional <c>export</c> prefix, # comments, single or double quotes
/// (double quotes understand \n, \" and \\). Values are never interpreted here; the loader validates them.
/// </summary>
internal static class DotEnvFile
{
    public static Dictionary<string, string> Parse(string text, string path, List<string> errors)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            if (line.StartsWith("export ", StringComparison.Ordinal))
                line = line[7..].TrimStart();
            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                errors.Add($"{path}:{lineNumber}: expected KEY=VALUE");
                continue;
            }
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                value = value[1..^1].Replace("\\n", "\n").Replace("\\\"", "\"").Replace("\\\\", "\\");
            else if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
                value = value[1..^1];
            else
            {
                var hash = value.IndexOf(" #", StringComparison.Ordinal);
                if (hash >= 0)
                    value = value[..hash].TrimEnd();
            }
            values[key] = value;
        }
        return values;
    }
}
