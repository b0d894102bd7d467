namespace IbmiMcp.Tools;

/// <summary>
/// The reference server's three statement checks (spec §5.6), with a real classifier behind read-only:
/// length, forbidden keywords (outside literals and comments, case-insensitive) and read-only. Run at load
/// for every enabled tool and again on the exact text sent at every call.
/// </summary>
internal static class SqlSecurityValidator
{
    public static SqlSecurityVerdict Validate(string sql, ToolSecurityPolicy policy)
    {
        List<string>? violations = null;
        if (sql.Length > policy.MaxQueryLength)
            (violations ??= []).Add($"Query exceeds maximum length of {policy.MaxQueryLength} characters");
        if (policy.ForbiddenKeywords.Count > 0 && FindForbiddenKeyword(sql, policy.ForbiddenKeywords) is { } keyword)
            (violations ??= []).Add($"Forbidden keyword detected: {keyword}");
        if (policy.ReadOnly && SqlStatementClassifier.CheckReadOnly(sql) is { } reason)
            (violations ??= []).Add(reason);
        else if (!policy.ReadOnly && SqlStatementClassifier.CheckSingleStatement(sql) is { } structural)
            (violations ??= []).Add(structural);
        return violations is null ? SqlSecurityVerdict.Allowed : new SqlSecurityVerdict(violations);
    }

    /// <summary>Matches each keyword (a word or a phrase such as "DROP TABLE") against consecutive word tokens.</summary>
    public static string? FindForbiddenKeyword(string sql, IReadOnlyList<string[]> keywords)
    {
        var span = sql.AsSpan();
        var words = new List<SqlToken>();
        var lexer = new SqlTokenizer(sql);
        while (lexer.Next(out var t))
            if (t.Kind == SqlTokenKind.Word) words.Add(t);
        for (int i = 0; i < words.Count; i++)
        {
            foreach (var phrase in keywords)
            {
                if (phrase.Length == 0 || i + phrase.Length > words.Count) continue;
                bool match = true;
                for (int k = 0; k < phrase.Length && match; k++)
                    match = span.Slice(words[i + k].Start, words[i + k].Length).Equals(phrase[k], StringComparison.OrdinalIgnoreCase);
                if (match) return string.Join(' ', phrase).ToUpperInvariant();
            }
        }
        return null;
    }
}
