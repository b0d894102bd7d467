using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>get_table_columns (--builtin-tools): column definitions from QSYS2.SYSCOLUMNS2 in ordinal order.</summary>
internal sealed class GetTableColumnsTool : BuiltInTool
{
    public const string ToolName = "get_table_columns";

    internal const string Sql =
        "SELECT COLUMN_NAME, SYSTEM_COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, LENGTH, NUMERIC_SCALE, IS_NULLABLE, COLUMN_DEFAULT, COLUMN_TEXT " +
        "FROM QSYS2.SYSCOLUMNS2 WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION";

    private const string Schema = """
        {"type":"object","properties":{
          "schema_name":{"type":"string","minLength":1,"maxLength":128,"description":"Schema (library) of the table."},
          "table_name":{"type":"string","minLength":1,"maxLength":128,"description":"Table or view name."}
        },"required":["schema_name","table_name"],"additionalProperties":false}
        """;

    public GetTableColumnsTool()
        : base(ToolName, "Get table columns", "Describe the columns of a table or view: name, type, length, scale, nullability, default and text.",
            Schema, readOnly: true, paging: true)
    {
    }

    public override async ValueTask<CallToolResult> InvokeAsync(ToolArguments arguments, ISqlRunner sql, CancellationToken cancellationToken)
    {
        var schema = SqlNames.Normalize(arguments.RequiredString("schema_name", 1, 128));
        var table = SqlNames.Normalize(arguments.RequiredString("table_name", 1, 128));
        var offset = OffsetOf(arguments);
        using var result = await sql.ExecuteAsync(PagedCommand(Sql, [SqlValue.From(schema), SqlValue.From(table)], offset, Results.Budget),
            cancellationToken).ConfigureAwait(false);

        if (result.Rows.Count == 0)
            return BuiltInResults.Error(ToolName, $"Table {schema}.{table} was not found, or you are not authorized to it.", "NOT_FOUND");
        var page = ResultPage.Of(result, offset, Results.Budget, Results.PoolMaxRows);
        return BuiltInResults.Success(w =>
        {
            w.WriteString("schema"u8, schema);
            w.WriteString("table"u8, table);
            BuiltInResults.WritePage(w, result, page, page.Describe(ToolName, Results.Budget));
            BuiltInResults.WriteElapsed(w, result.Elapsed);
        });
    }
}
