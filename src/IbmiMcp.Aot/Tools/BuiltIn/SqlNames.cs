namespace IbmiMcp.Tools.BuiltIn;

/// <summary>IBM i object names as catalogs store them: ordinary identifiers upper-case, delimited ("…") ones verbatim.</summary>
internal static class SqlNames
{
    public static string Normalize(string name)
    {
        var trimmed = name.Trim();
        if (trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"')
            return trimmed[1..^1].Replace("\"\"", "\"");
        return trimmed.ToUpperInvariant();
    }
}
