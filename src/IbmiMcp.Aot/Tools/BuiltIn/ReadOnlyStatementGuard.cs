namespace IbmiMcp.Tools.BuiltIn;

/// <summary>
/// First, local line of execute_sql's read-only defence (the second is QSYS2.PARSE_STATEMENT, which must say QUERY).
/// Works on tokens with comments, string literals and delimited identifiers removed: one statement only, starting
/// with SELECT or WITH (as the reference allows), and none of the data-changing or command keywords anywhere —
/// which also closes the reference's read-only bypass through QSYS2.QCMDEXC inside a SELECT (its issue #188).
/// </summary>
internal static class ReadOnlyStatementGuard
{
    private static readonly string[] s_forbidden =
    [
        "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "DROP", "CREATE", "ALTER", "RENAME", "CALL", "GRANT", "REVOKE",
        "COMMIT", "ROLLBACK", "SAVEPOINT", "LOCK", "REFRESH", "SET", "DECLARE", "EXECUTE", "EXEC", "QCMDEXC", "SQL_EXECUTE_IMMEDIATE",
    ];

    /// <summary>Null when the statement may run read-only, else the reason it may not.</summary>
    public static string? Check(string sql)
    {
        var first = default(string);
        var afterEnd = false;
        foreach (var token in Tokens(sql))
        {
            if (token == ";")
            {
                afterEnd = true;
                continue;
            }
            if (afterEnd)
                return "Only one statement may be run at a time.";
            first ??= token;
            foreach (var keyword in s_forbidden)
                if (string.Equals(token, keyword, StringComparison.OrdinalIgnoreCase))
                    return $"Write operations detected: {keyword.ToUpperInvariant()} is not allowed in read-only mode.";
        }
        if (first is null)
            return "The statement is empty.";
        if (!string.Equals(first, "SELECT", StringComparison.OrdinalIgnoreCase) && !string.Equals(first, "WITH", StringComparison.OrdinalIgnoreCase))
            return $"Only SELECT and WITH queries are allowed in read-only mode, not {first.ToUpperInvariant()}.";
        return null;
    }

    /// <summary>Words and ';' of the statement; literals, delimited identifiers and comments are skipped.</summary>
    private static IEnumerable<string> Tokens(string sql)
    {
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                    i++;
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var end = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? sql.Length : end + 2;
            }
            else if (c is '\'' or '"')
            {
                // '' and "" inside are escaped quotes: skipping to the next quote twice handles them.
                i++;
                while (i < sql.Length)
                {
                    if (sql[i] == c)
                    {
                        if (i + 1 < sql.Length && sql[i + 1] == c)
                        {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i++;
                }
                i++;
            }
            else if (c == ';')
            {
                i++;
                yield return ";";
            }
            else if (char.IsLetter(c) || c is '_' or '$' or '#' or '@')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$' or '#' or '@'))
                    i++;
                yield return sql[start..i];
            }
            else
            {
                i++;
            }
        }
    }
}
