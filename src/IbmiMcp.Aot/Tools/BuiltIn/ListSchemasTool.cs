using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>list_schemas (--builtin-tools): QSYS2.SYSSCHEMAS, paged with OFFSET/FETCH; one extra row tells hasMore.</summary>
internal sealed class ListSchemasTool : BuiltInTool
{
    public const string ToolName = "list_schemas";

    private const string Select = "SELECT SCHEMA_NAME, SYSTEM_SCHEMA_NAME, SCHEMA_TEXT FROM QSYS2.SYSSCHEMAS";
    private const string Filter = "SCHEMA_NAME LIKE UPPER(?)";
    private const string NoSystem = "SCHEMA_NAME NOT LIKE 'Q%' AND SCHEMA_NAME NOT LIKE 'SYS%'";
    private const string Page = " ORDER BY SCHEMA_NAME OFFSET ? ROWS FETCH FIRST ? ROWS ONLY";

    // Four fixed statements instead of text built per call: the statement cache on IBM i keys on the text.
    // (The command line's `schemas` runs the same four; parameters: [filter,] offset, rows.)
    internal static readonly string AllSql = Select + Page;
    internal static readonly string FilteredSql = Select + " WHERE " + Filter + Page;
    internal static readonly string UserSql = Select + " WHERE " + NoSystem + Page;
    internal static readonly string UserFilteredSql = Select + " WHERE " + Filter + " AND " + NoSystem + Page;

    private const string Schema = """
        {"type":"object","properties":{
          "filter":{"type":"string","maxLength":128,"description":"SQL LIKE pattern on the schema name (e.g. 'SAMPLE%')."},
          "include_system":{"type":"boolean","default":false,"description":"Include system schemas (Q*, SYS*)."},
          "limit":{"type":"integer","minimum":1,"maximum":500,"default":50,"description":"Maximum schemas to return."},
          "offset":{"type":"integer","minimum":0,"default":0,"description":"Schemas to skip, for paging."}
        },"additionalProperties":false}
        """;

    public ListSchemasTool()
        : base(ToolName, "List schemas", "List the schemas (libraries) on the system, optionally filtered by a LIKE pattern; pages with limit/offset and reports hasMore.",
            Schema, readOnly: true)
    {
    }

    public override async ValueTask<CallToolResult> InvokeAsync(ToolArguments arguments, ISqlRunner sql, CancellationToken cancellationToken)
    {
        var filter = arguments.OptionalString("filter", 0, 128);
        if (string.IsNullOrWhiteSpace(filter))
            filter = null;
        var includeSystem = arguments.Boolean("include_system", false);
        var limit = arguments.Integer("limit", 50, 1, 500);
        var offset = arguments.Integer("offset", 0, 0, int.MaxValue);

        var text = (filter is null, includeSystem) switch
        {
            (true, true) => AllSql,
            (false, true) => FilteredSql,
            (true, false) => UserSql,
            (false, false) => UserFilteredSql,
        };
        SqlValue[] parameters = filter is null
            ? [SqlValue.From(offset), SqlValue.From(limit + 1)]
            : [SqlValue.From(filter), SqlValue.From(offset), SqlValue.From(limit + 1)];

        using var result = await sql.ExecuteAsync(new SqlCommand { Sql = text, Parameters = parameters, Rows = limit + 1, ClientTag = ClientTag },
            cancellationToken).ConfigureAwait(false);
        // The SQL pages by limit/offset; the result budget may still cut a page (then the note names the next offset).
        var page = ResultPage.Of(result, 0, Results.Budget, maxRows: limit);
        return BuiltInResults.Success(w =>
        {
            BuiltInResults.WritePage(w, result, page, page.Describe(ToolName, Results.Budget, offsetArgument: "offset", shift: offset), shift: offset);
            w.WriteBoolean("hasMore"u8, page.More);
            w.WriteNumber("limit"u8, limit);
            w.WriteNumber("offset"u8, offset);
            BuiltInResults.WriteElapsed(w, result.Elapsed);
        });
    }
}
