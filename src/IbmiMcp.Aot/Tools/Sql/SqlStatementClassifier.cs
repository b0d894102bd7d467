namespace IbmiMcp.Tools;

/// <summary>
/// Decides, on tokens (never on raw text), whether a statement is a single read-only query: it must start
/// with SELECT, WITH or VALUES (after optional parentheses), contain no data-change statement (FINAL TABLE(INSERT …),
/// NEW TABLE(UPDATE …)), call no routine from <see cref="SideEffectingRoutines"/>, and be one statement
/// (a `;` may only end it). Returns null when allowed, else the reason.
/// </summary>
internal static class SqlStatementClassifier
{
    public static string? CheckReadOnly(string sql)
    {
        var lexer = new SqlTokenizer(sql);
        var span = sql.AsSpan();
        bool sawTerminator = false;
        SqlToken previous = default;
        bool started = false, startsWithValues = false;
        // A qualified name being read (A.B.C); when `(` follows it, it is a routine call.
        int nameStart = -1;
        SqlToken lastNamePart = default;

        while (lexer.Next(out var token))
        {
            if (sawTerminator) return "Multiple statements are not allowed: send one statement per call";
            if (token.Kind == SqlTokenKind.Semicolon) { sawTerminator = true; continue; }

            if (!started)
            {
                if (token.Kind == SqlTokenKind.LeftParen) continue;
                if (token.Kind != SqlTokenKind.Word)
                    return "Write operations detected: statement does not start with SELECT, WITH or VALUES";
                var first = span.Slice(token.Start, token.Length);
                if (!first.Equals("SELECT", StringComparison.OrdinalIgnoreCase)
                    && !first.Equals("WITH", StringComparison.OrdinalIgnoreCase)
                    && !first.Equals("VALUES", StringComparison.OrdinalIgnoreCase))
                {
                    // Only a statement that can change something is called a write; a typo is told what is allowed.
                    return IsChangingStatement(first)
                        ? $"Write operations detected: {first.ToString().ToUpperInvariant()} statements are not allowed in read-only mode (only SELECT, WITH and VALUES queries)"
                        : $"Read-only mode runs only SELECT, WITH and VALUES queries; this statement starts with '{first.ToString()}'";
                }
                started = true;
                startsWithValues = first.Equals("VALUES", StringComparison.OrdinalIgnoreCase);
            }

            if (token.Kind == SqlTokenKind.Word)
            {
                var word = span.Slice(token.Start, token.Length);
                if (IsDataChange(word))
                {
                    bool lockClause = word.Equals("UPDATE", StringComparison.OrdinalIgnoreCase) && previous.Kind == SqlTokenKind.Word
                        && (Is(span, previous, "FOR") || Is(span, previous, "KEEP"));
                    if (!lockClause)
                        return $"Write operations detected: {word.ToString().ToUpperInvariant()} inside a query is not allowed in read-only mode";
                }
                if (startsWithValues && Is(span, token, "INTO"))
                    return "Write operations detected: VALUES INTO is not allowed in read-only mode";
            }

            if (token.Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier)
            {
                if (nameStart < 0 || previous.Kind != SqlTokenKind.Dot) nameStart = token.Start;
                lastNamePart = token;
            }
            else if (token.Kind == SqlTokenKind.LeftParen && previous.Kind is SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier
                     && previous.Start == lastNamePart.Start)
            {
                var name = Unquote(span.Slice(lastNamePart.Start, lastNamePart.Length), lastNamePart.Kind);
                if (SideEffectingRoutines.Names.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name))
                {
                    var full = span[nameStart..lastNamePart.End].ToString().ToUpperInvariant();
                    return $"Write operations detected: {full} changes the system and is not allowed in read-only mode";
                }
            }
            else if (token.Kind != SqlTokenKind.Dot)
            {
                nameStart = -1;
            }

            previous = token;
        }

        if (lexer.Error != SqlLexError.None) return SqlTokenizer.Describe(lexer.Error);
        if (!started) return "Statement is empty";
        return null;
    }

    private static bool IsDataChange(ReadOnlySpan<char> word) => word.Length switch
    {
        5 => word.Equals("MERGE", StringComparison.OrdinalIgnoreCase),
        6 => word.Equals("INSERT", StringComparison.OrdinalIgnoreCase) || word.Equals("UPDATE", StringComparison.OrdinalIgnoreCase)
             || word.Equals("DELETE", StringComparison.OrdinalIgnoreCase),
        8 => word.Equals("TRUNCATE", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static readonly System.Collections.Frozen.FrozenSet<string> ChangingStatements = System.Collections.Frozen.FrozenSet.ToFrozenSet(
    [
        "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "CREATE", "ALTER", "DROP", "RENAME", "COMMENT", "LABEL", "GRANT",
        "REVOKE", "CALL", "SET", "REFRESH", "LOCK", "COMMIT", "ROLLBACK", "TRANSFER", "EXECUTE",
    ], StringComparer.OrdinalIgnoreCase);

    private static bool IsChangingStatement(ReadOnlySpan<char> word)
        => ChangingStatements.GetAlternateLookup<ReadOnlySpan<char>>().Contains(word);

    private static bool Is(ReadOnlySpan<char> span, SqlToken token, string word) =>
        span.Slice(token.Start, token.Length).Equals(word, StringComparison.OrdinalIgnoreCase);

    /// <summary>"QCMDEXC" names the same routine as QCMDEXC; the doubled-quote escape never appears in routine names we match.</summary>
    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> text, SqlTokenKind kind) =>
        kind == SqlTokenKind.QuotedIdentifier && text.Length >= 2 ? text[1..^1] : text;

    /// <summary>For tools that may write (readOnly: false): still one statement, and well-formed text.</summary>
    public static string? CheckSingleStatement(string sql)
    {
        var lexer = new SqlTokenizer(sql);
        bool terminated = false, any = false;
        while (lexer.Next(out var token))
        {
            if (terminated) return "Multiple statements are not allowed: send one statement per call";
            if (token.Kind == SqlTokenKind.Semicolon) terminated = true;
            else any = true;
        }
        if (lexer.Error != SqlLexError.None) return SqlTokenizer.Describe(lexer.Error);
        return any ? null : "Statement is empty";
    }
}
