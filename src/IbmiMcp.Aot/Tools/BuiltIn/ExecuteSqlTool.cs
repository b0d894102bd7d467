using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>
/// execute_sql (opt-in: --execute-sql / IBMI_ENABLE_EXECUTE_SQL): runs one statement as the caller. Read-only by
/// default (IBMI_EXECUTE_SQL_READONLY): the statement must pass the token-level
/// <see cref="SqlStatementClassifier"/> (one SELECT/WITH/VALUES query, no data-change table, no side-effecting routine
/// such as QCMDEXC) and QSYS2.PARSE_STATEMENT must classify it as QUERY. Fail-closed: when the parser returns nothing or fails, the
/// statement does not run.
/// </summary>
internal sealed class ExecuteSqlTool : BuiltInTool
{
    public const string ToolName = "execute_sql";
    public const int MaxLength = 10_000;

    internal const string ParseSql =
        "SELECT SQL_STATEMENT_TYPE FROM TABLE(QSYS2.PARSE_STATEMENT(SQL_STATEMENT => ?, NAMING => '*SQL', " +
        "DECIMAL_POINT => '*PERIOD', SQL_STRING_DELIMITER => '*APOSTSQL')) AS P";

    private const string Schema = """
        {"type":"object","properties":{
          "sql":{"type":"string","minLength":1,"maxLength":10000,"description":"One Db2 for i SQL statement. Read-only mode accepts only SELECT/WITH queries."}
        },"required":["sql"],"additionalProperties":false}
        """;

    private readonly bool _readOnly;

    /// <summary>IBM i's verdicts on statements seen before: the next page of a result, a retry or a model re-running a
    /// query costs one round trip instead of two (bench/RESULTS.md, issue 28).</summary>
    private readonly StatementTypeCache _statementTypes = new();

    public ExecuteSqlTool(bool readOnly)
        : base(ToolName, "Execute SQL",
            readOnly
                ? "Run one read-only SQL query (SELECT or WITH) against Db2 for i and return the rows. Other statements are refused."
                : "Run one SQL statement against Db2 for i and return the rows or the number of affected rows.",
            Schema, readOnly, paging: true)
    {
        _readOnly = readOnly;
    }

    private static string Markdown(Mapepire.SqlResult result, ResultPage page, string? note)
    {
        var sb = new System.Text.StringBuilder(256 + page.Bytes);
        MarkdownResultWriter.AppendTable(sb, TableFormat.Markdown, result, page);
        if (note is not null)
            sb.Append("> ").Append(note).Append('\n');
        return sb.ToString();
    }

    public override async ValueTask<CallToolResult> InvokeAsync(ToolArguments arguments, ISqlRunner sql, CancellationToken cancellationToken)
    {
        var statement = arguments.RequiredString("sql", 1, MaxLength).Trim().TrimEnd(';').TrimEnd();
        if (statement.Length == 0)
            throw new ToolArgumentException("'sql' must contain a statement.");

        var refusal = _readOnly ? SqlStatementClassifier.CheckReadOnly(statement) : SqlStatementClassifier.CheckSingleStatement(statement);
        if (refusal is not null)
            return BuiltInResults.Error(ToolName, refusal, "VALIDATION_ERROR");

        if (!_statementTypes.TryGet(statement, out var statementType))
        {
            using (var parsed = await sql.ExecuteAsync(new SqlCommand
            {
                Sql = ParseSql,
                Parameters = [SqlValue.From(statement)],
                Rows = 1,
                ClientTag = ClientTag,
            }, cancellationToken).ConfigureAwait(false))
            {
                if (parsed.Rows.Count > 0)
                    statementType = RowReader.Text(parsed.Rows[0], 0)?.Trim();
            }
            if (statementType is not null)
                _statementTypes.Add(statement, statementType);
        }
        if (statementType is null)
            return BuiltInResults.Error(ToolName, "The statement could not be parsed by QSYS2.PARSE_STATEMENT; it was not run.", "VALIDATION_ERROR");
        if (_readOnly && !string.Equals(statementType, "QUERY", StringComparison.OrdinalIgnoreCase))
            return BuiltInResults.Error(ToolName, $"Write operations detected: statement type {statementType} is not allowed in read-only mode.", "VALIDATION_ERROR");

        // Only the rows up to the end of the requested page are fetched, never the whole result.
        var offset = OffsetOf(arguments);
        using var result = await sql.ExecuteAsync(PagedCommand(statement, [], offset, Results.Budget), cancellationToken).ConfigureAwait(false);
        var page = ResultPage.Of(result, offset, Results.Budget, Results.PoolMaxRows);
        var note = page.Describe(ToolName, Results.Budget, $"at most {Results.PoolMaxRows} rows: IBMI_PAGINATION_MAX_ROWS");

        return BuiltInResults.Success(w =>
        {
            BuiltInResults.WritePage(w, result, page, note);
            if (!result.HasResults && result.UpdateCount >= 0)
                w.WriteNumber("affectedRows"u8, result.UpdateCount);
            w.WriteBoolean("truncated"u8, page.Truncated);
            w.WriteString("statementType"u8, statementType);
            BuiltInResults.WriteElapsed(w, result.Elapsed);
            w.WriteStartObject("metadata"u8);
            BuiltInResults.WriteColumns(w, result);
            w.WriteEndObject();
        }, Results.Format switch
        {
            ResponseFormat.Csv => CsvResultWriter.Render(result, page, note),
            ResponseFormat.Markdown => Markdown(result, page, note),
            _ => null,   // the JSON itself
        });
    }
}
