using System.Text;
using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>describe_sql_object (always on): the object's DDL from QSYS2.GENERATE_SQL, fetched 500 lines per page.</summary>
internal sealed class DescribeSqlObjectTool : BuiltInTool
{
    public const string ToolName = "describe_sql_object";

    /// <summary>The most DDL lines one answer holds (the byte budget usually ends a page first).</summary>
    public const int LinesPerPage = 2000;

    internal static readonly string[] ObjectTypes =
        ["ALIAS", "CONSTRAINT", "FUNCTION", "INDEX", "MASK", "PERMISSION", "PROCEDURE", "SCHEMA", "SEQUENCE", "TABLE", "TRIGGER", "TYPE", "VARIABLE", "VIEW", "XSR"];

    internal const string Sql =
        "CALL QSYS2.GENERATE_SQL(DATABASE_OBJECT_NAME => ?, DATABASE_OBJECT_LIBRARY_NAME => ?, DATABASE_OBJECT_TYPE => ?, " +
        "CREATE_OR_REPLACE_OPTION => '1', PRIVILEGES_OPTION => '0', STATEMENT_FORMATTING_OPTION => '0', " +
        "SOURCE_STREAM_FILE_END_OF_LINE => 'LF', SOURCE_STREAM_FILE_CCSID => 1208)";

    private const string Schema = """
        {"type":"object","properties":{
          "object_name":{"type":"string","minLength":1,"maxLength":128,"description":"Name of the SQL object (e.g. EMPLOYEE)."},
          "object_library":{"type":"string","minLength":1,"maxLength":128,"default":"QSYS2","description":"Library (schema) containing the object."},
          "object_type":{"type":"string","enum":["ALIAS","CONSTRAINT","FUNCTION","INDEX","MASK","PERMISSION","PROCEDURE","SCHEMA","SEQUENCE","TABLE","TRIGGER","TYPE","VARIABLE","VIEW","XSR"],"default":"TABLE","description":"Type of the object."}
        },"required":["object_name"],"additionalProperties":false}
        """;

    public DescribeSqlObjectTool()
        : base(ToolName, "Generate SQL DDL",
            "Generate the SQL DDL (CREATE OR REPLACE statement) of a Db2 for i object such as a table, view, index or procedure, using QSYS2.GENERATE_SQL.",
            Schema, readOnly: true, paging: true)
    {
    }

    public override async ValueTask<CallToolResult> InvokeAsync(ToolArguments arguments, ISqlRunner sql, CancellationToken cancellationToken)
    {
        var name = SqlNames.Normalize(arguments.RequiredString("object_name", 1, 128));
        var library = SqlNames.Normalize(arguments.OptionalString("object_library", 1, 128) ?? "QSYS2");
        var type = arguments.Choice("object_type", ObjectTypes, "TABLE")!;

        // DDL lines are short rows: a page holds many more of them than result rows, within the same byte budget.
        var budget = Results.Budget with { MaxRows = LinesPerPage };
        var offset = OffsetOf(arguments);
        using var result = await sql.ExecuteAsync(
            PagedCommand(Sql, [SqlValue.From(name), SqlValue.From(library), SqlValue.From(type)], offset, budget, pageSize: 500),
            cancellationToken).ConfigureAwait(false);

        var reader = new RowReader(result);
        var column = reader.IndexOf("SRCDTA");
        if (column < 0)
            column = 0;
        var page = ResultPage.Of(result, offset, budget, Results.PoolMaxRows);
        var ddl = new StringBuilder();
        for (var i = page.Offset; i < page.NextOffset; i++)
            ddl.Append(RowReader.Text(result.Rows[i], column)?.TrimEnd()).Append('\n');
        var text = ddl.ToString().TrimEnd('\n');
        var note = page.Describe(ToolName, budget);

        return BuiltInResults.Success(w =>
        {
            w.WriteString("object_name"u8, name);
            w.WriteString("object_library"u8, library);
            w.WriteString("object_type"u8, type);
            w.WriteString("sql"u8, text);
            w.WriteNumber("lineCount"u8, page.Count);
            w.WriteBoolean("truncated"u8, page.Truncated);
            if (page.More)
                w.WriteNumber("nextOffset"u8, page.NextOffset);
            if (note is not null)
                w.WriteString("message"u8, note);
        }, text.Length == 0 ? note ?? $"No DDL was generated for {type} {library}.{name}." : note is null ? text : text + "\n\n-- " + note);
    }
}
