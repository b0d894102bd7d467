using CsCheck;
using IbmiMcp.Mapepire;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Properties;

/// <summary>
/// Rules of the read-only classifier and the binder that must hold for every input, not for listed examples:
/// statements are generated from a small Db2 for i grammar (the oracle knows which ones write) and disguised the way
/// an attacker or a sloppy author would — random casing, whitespace, comments between every token, parentheses,
/// a harmless query in front of a `;`. A failure prints the CsCheck seed that reproduces it.
/// </summary>
public sealed class SqlSafetyProperties
{
    private const long Iterations = 3_000;

    private static readonly string[] Tables = ["SAMPLE.EMPLOYEE", "QSYS2.SYSTABLES", "\"MyLib\".\"My Table\"", "T"];

    private static readonly Gen<string> Table = Gen.OneOf(Tables);

    /// <summary>Statements that change data or the system: every one must be refused in read-only mode.</summary>
    private static readonly Gen<string[]> Writing = Gen.OneOf(
        Table.Select(t => new[] { "INSERT", "INTO", t, "VALUES", "(", "1", ")" }),
        Table.Select(t => new[] { "UPDATE", t, "SET", "A", "=", "1" }),
        Table.Select(t => new[] { "DELETE", "FROM", t }),
        Table.Select(t => new[] { "MERGE", "INTO", t, "USING", "X", "ON", "1", "=", "1", "WHEN", "MATCHED", "THEN", "DELETE" }),
        Table.Select(t => new[] { "TRUNCATE", "TABLE", t }),
        Table.Select(t => new[] { "DROP", "TABLE", t }),
        Table.Select(t => new[] { "CREATE", "TABLE", t, "(", "A", "INT", ")" }),
        Table.Select(t => new[] { "ALTER", "TABLE", t, "ADD", "COLUMN", "B", "INT" }),
        Gen.Const(new[] { "CALL", "QSYS2", ".", "QCMDEXC", "(", "'DLTLIB PAYROLL'", ")" }),
        Gen.Const(new[] { "SET", "SCHEMA", "PAYROLL" }),
        Gen.Const(new[] { "GRANT", "ALL", "ON", "T", "TO", "PUBLIC" }),
        Gen.Const(new[] { "VALUES", "1", "INTO", ":X" }),
        // Data change inside a query (FINAL TABLE / NEW TABLE)
        Table.Select(t => new[] { "SELECT", "*", "FROM", "FINAL", "TABLE", "(", "INSERT", "INTO", t, "VALUES", "(", "1", ")", ")" }),
        Table.Select(t => new[] { "WITH", "X", "AS", "(", "SELECT", "*", "FROM", "NEW", "TABLE", "(", "UPDATE", t, "SET", "A", "=", "2", ")", ")", "SELECT", "*", "FROM", "X" }),
        // A side-effecting routine called from a query, however its name is qualified or quoted
        Gen.Select(Gen.OneOf(SideEffectingRoutines.Names.ToArray()), Gen.Int[0, 3], (routine, form) => form switch
        {
            0 => new[] { "SELECT", routine, "(", "'x'", ")", "FROM", "SYSIBM", ".", "SYSDUMMY1" },
            1 => new[] { "SELECT", "QSYS2", ".", routine, "(", "'x'", ")", "FROM", "SYSIBM", ".", "SYSDUMMY1" },
            2 => new[] { "SELECT", "\"QSYS2\"", ".", "\"" + routine.ToUpperInvariant() + "\"", "(", "'x'", ")", "FROM", "SYSIBM", ".", "SYSDUMMY1" },
            _ => new[] { "WITH", "A", "AS", "(", "SELECT", "1", "AS", "N", "FROM", "SYSIBM", ".", "SYSDUMMY1", ")", "SELECT", "SYSTOOLS", ".", routine, "(", "'x'", ")", "FROM", "A" },
        }));

    /// <summary>Queries that only read, with write words where they are data (literals, comments, quoted names).</summary>
    private static readonly Gen<string[]> Reading = Gen.OneOf(
        Table.Select(t => new[] { "SELECT", "A", ",", "B", "FROM", t, "WHERE", "C", "=", "'DELETE FROM T; DROP TABLE T'", "ORDER", "BY", "A" }),
        Table.Select(t => new[] { "WITH", "X", "AS", "(", "SELECT", "*", "FROM", t, ")", "SELECT", "\"DELETE\"", "FROM", "X" }),
        Gen.Const(new[] { "VALUES", "(", "1", ",", "'QCMDEXC(''x'')'", ")" }),
        Table.Select(t => new[] { "SELECT", "*", "FROM", t, "FOR", "UPDATE" }),
        Table.Select(t => new[] { "SELECT", "COUNT", "(", "*", ")", "FROM", t, "WHERE", "NAME", "LIKE", "'%INSERT%'" }),
        Gen.Const(new[] { "SELECT", "QCMDEXC", "FROM", "T" }));   // a column named like a routine, not a call

    private static readonly Gen<string> Separator = Gen.OneOf(
        Gen.OneOf(" ", "  ", "\t", "\n", "\r\n"),
        Gen.OneOf(" /* DELETE FROM T */ ", "/**/", " -- ; DROP TABLE T\n", "\n-- comment\n", " /* ; */ "));

    /// <summary>Joins tokens with random separators and recases every bare word (quoted text keeps its case).</summary>
    private static Gen<string> Disguise(Gen<string[]> statement) =>
        Gen.Select(statement, Separator.Array[64], Gen.Bool.Array[64], Gen.Int[0, 2], (tokens, separators, upper, wrap) =>
        {
            var parts = new List<string>();
            for (var i = 0; i < tokens.Length; i++)
            {
                var t = tokens[i];
                if (t.Length > 0 && char.IsLetter(t[0])) t = upper[i % upper.Length] ? t.ToUpperInvariant() : t.ToLowerInvariant();
                if (i > 0) parts.Add(separators[i % separators.Length]);
                parts.Add(t);
            }
            return string.Concat(parts);
        });

    [Fact]
    public void The_classifier_never_accepts_a_statement_that_writes_however_it_is_written()
    {
        Disguise(Writing).Sample(sql => Assert.NotNull(SqlStatementClassifier.CheckReadOnly(sql)), iter: Iterations, print: s => s);
    }

    [Fact]
    public void A_write_hidden_behind_a_harmless_query_and_a_semicolon_is_refused()
    {
        Gen.Select(Disguise(Reading), Separator, Disguise(Writing), (read, sep, write) => read + sep + ";" + sep + write)
            .Sample(sql => Assert.NotNull(SqlStatementClassifier.CheckReadOnly(sql)), iter: Iterations, print: s => s);
    }

    [Fact]
    public void Plain_queries_are_accepted_whatever_their_literals_and_comments_say()
    {
        Disguise(Reading).Sample(sql => Assert.Null(SqlStatementClassifier.CheckReadOnly(sql)), iter: Iterations, print: s => s);
    }

    [Fact]
    public void An_argument_never_changes_the_statement_it_is_bound_into()
    {
        const string Template = "SELECT * FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = :dept AND LASTNAME LIKE :name AND EMPNO IN (:ids) -- :dept";
        var parameters = new List<ToolParameter>
        {
            new() { Name = "dept", Type = ToolParameterType.String },
            new() { Name = "name", Type = ToolParameterType.String },
            new() { Name = "ids", Type = ToolParameterType.Array, ItemType = ToolParameterType.String },
        };
        var plan = SqlBindPlan.Compile(Template, parameters, []) ?? throw new InvalidOperationException("template did not compile");
        var templateKinds = Kinds(plan.StaticSql);
        // Hostile text: quotes, terminators, comment starts, markers, newlines, Unicode.
        var hostile = Gen.OneOf(Gen.String, Gen.OneOf("'; DROP TABLE T; --", "' OR '1'='1", ":dept", "?", "/*", "*/", "\"", "\n;\n", "''", "ÄÖ€😀"));
        Gen.Select(hostile, hostile, hostile.Array[0, 6], (dept, name, ids) => (dept, name, ids)).Sample(args =>
        {
            var items = args.ids.Select(SqlValue.From).ToArray();
            var bound = plan.Bind([ArgumentValue.String(args.dept), ArgumentValue.String(args.name), ArgumentValue.Array(items)]);
            // The arguments travel as parameter values only: the text is the template's, with IN (?) widened to the items.
            Assert.Equal(plan.StaticSql.Replace("(?)", "(" + string.Join(", ", Enumerable.Repeat("?", Math.Max(1, items.Length))) + ")"), bound.Sql);
            var markers = Math.Max(1, items.Length) + 2;
            Assert.Equal(markers, bound.Parameters.Length);
            Assert.Equal(args.dept, bound.Parameters[0].AsString);
            Assert.Equal(args.name, bound.Parameters[1].AsString);
            var kinds = Kinds(bound.Sql);
            Assert.Equal(templateKinds.Count + 2 * (Math.Max(1, items.Length) - 1), kinds.Count);   // each extra item adds ", ?"
            Assert.Null(SqlStatementClassifier.CheckReadOnly(bound.Sql));
        }, iter: Iterations);
    }

    private static List<SqlTokenKind> Kinds(string sql)
    {
        var lexer = new SqlTokenizer(sql);
        var kinds = new List<SqlTokenKind>();
        while (lexer.Next(out var token)) kinds.Add(token.Kind);
        Assert.Equal(SqlLexError.None, lexer.Error);
        return kinds;
    }
}
