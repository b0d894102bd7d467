using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>list_tables_in_schema (--builtin-tools): tables, views and physical files from QSYS2.SYSTABLES + SYSTABLESTAT.</summary>
internal sealed class ListTablesInSchemaTool : BuiltInTool
{
    public const string ToolName = "list_tables_in_schema";

    private const string Select =
        "SELECT T.TABLE_SCHEMA, T.TABLE_NAME, T.TABLE_TYPE, T.TABLE_TEXT, COALESCE(S.NUMBER_ROWS, 0) AS NUMBER_ROWS, T.COLUMN_COUNT " +
        "FROM QSYS2.SYSTABLES T LEFT JOIN QSYS2.SYSTABLESTAT S ON T.TABLE_SCHEMA = S.TABLE_SCHEMA AND T.TABLE_NAME = S.TABLE_NAME " +
        "WHERE T.TABLE_SCHEMA = ? AND T.TABLE_TYPE IN ('T', 'V', 'P')";
    private const string Page = " ORDER BY T.TABLE_NAME OFFSET ? ROWS FETCH FIRST ? ROWS ONLY";
    // (The command line's `tables` runs the same two; parameters: schema, [filter,] offset, rows.)
    internal static readonly string AllSql = Select + Page;
    internal static readonly string FilteredSql = Select + " AND T.TABLE_NAME LIKE UPPER(?)" + Page;

    private const string Schema = """
        {"type":"object","properties":{
          "schema_name":{"type":"string","minLength":1,"maxLength":128,"description":"Schema (library) to list, e.g. SAMPLE."},
          "table_filter":{"type":"string","maxLength":128,"default":"*ALL","description":"LIKE pattern on the table name (e.g. 'EMP%'); *ALL for every table."},
          "limit":{"type":"integer","minimum":1,"maximum":500,"default":50,"description":"Maximum tables to return."},
          "offset":{"type":"integer","minimum":0,"default":0,"description":"Tables to skip, for paging."}
        },"required":["schema_name"],"additionalProperties":false}
        """;

    public ListTablesInSchemaTool()
        : base(ToolName, "List tables in a schema",
            "List the tables, views and physical files of a schema with their type, text, row count and column count; pages with limit/offset and reports hasMore.",
            Schema, readOnly: true)
    {
    }

    public override async ValueTask<CallToolResult> InvokeAsync(ToolArguments arguments, ISqlRunner sql, CancellationToken cancellationToken)
    {
        var schema = SqlNames.Normalize(arguments.RequiredString("schema_name", 1, 128));
        var filter = arguments.OptionalString("table_filter", 0, 128);
        if (string.IsNullOrWhiteSpace(filter) || string.Equals(filter.Trim(), "*ALL", StringComparison.OrdinalIgnoreCase))
            filter = null;
        var limit = arguments.Integer("limit", 50, 1, 500);
        var offset = arguments.Integer("offset", 0, 0, int.MaxValue);

        SqlValue[] parameters = filter is null
            ? [SqlValue.From(schema), SqlValue.From(offset), SqlValue.From(limit + 1)]
            : [SqlValue.From(schema), SqlValue.From(filter), SqlValue.From(offset), SqlValue.From(limit + 1)];
        using var result = await sql.ExecuteAsync(new SqlCommand
        {
            Sql = filter is null ? AllSql : FilteredSql,
            Parameters = parameters,
            Rows = limit + 1,
            ClientTag = ClientTag,
        }, cancellationToken).ConfigureAwait(false);

        // The SQL pages by limit/offset; the result budget may still cut a page (then the note names the next offset).
        var page = ResultPage.Of(result, 0, Results.Budget, maxRows: limit);
        return BuiltInResults.Success(w =>
        {
            w.WriteString("schema"u8, schema);
            BuiltInResults.WritePage(w, result, page, page.Describe(ToolName, Results.Budget, offsetArgument: "offset", shift: offset), shift: offset);
            w.WriteBoolean("hasMore"u8, page.More);
            w.WriteNumber("limit"u8, limit);
            w.WriteNumber("offset"u8, offset);
            BuiltInResults.WriteElapsed(w, result.Elapsed);
        });
    }
}
