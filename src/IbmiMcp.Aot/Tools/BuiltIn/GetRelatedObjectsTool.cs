using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>get_related_objects (--builtin-tools): objects that depend on a file, from SYSTOOLS.RELATED_OBJECTS.</summary>
internal sealed class GetRelatedObjectsTool : BuiltInTool
{
    public const string ToolName = "get_related_objects";

    internal static readonly string[] ObjectTypes =
    [
        "ALIAS", "FOREIGN KEY", "FUNCTION", "HISTORY TABLE", "INDEX", "KEYED LOGICAL FILE", "LOGICAL FILE", "MASK",
        "MATERIALIZED QUERY TABLE", "PERMISSION", "PROCEDURE", "TEXT INDEX", "TRIGGER", "VARIABLE", "VIEW", "XML SCHEMA",
    ];

    private const string Select = "SELECT * FROM TABLE(SYSTOOLS.RELATED_OBJECTS(LIBRARY_NAME => ?, FILE_NAME => ?)) R";
    private const string Order = " ORDER BY SQL_OBJECT_TYPE, SCHEMA_NAME, SQL_NAME";
    // (The command line's `related` runs the same two; parameters: library, file[, type].)
    internal static readonly string AllSql = Select + Order;
    internal static readonly string FilteredSql = Select + " WHERE SQL_OBJECT_TYPE = ?" + Order;

    private const string Schema = """
        {"type":"object","properties":{
          "library_name":{"type":"string","minLength":1,"maxLength":10,"description":"System name of the library (up to 10 characters)."},
          "file_name":{"type":"string","minLength":1,"maxLength":10,"description":"System name of the file (table, physical file) whose dependents are wanted."},
          "object_type_filter":{"type":"string","enum":["ALIAS","FOREIGN KEY","FUNCTION","HISTORY TABLE","INDEX","KEYED LOGICAL FILE","LOGICAL FILE","MASK","MATERIALIZED QUERY TABLE","PERMISSION","PROCEDURE","TEXT INDEX","TRIGGER","VARIABLE","VIEW","XML SCHEMA"],"description":"Only objects of this type."}
        },"required":["library_name","file_name"],"additionalProperties":false}
        """;

    public GetRelatedObjectsTool()
        : base(ToolName, "Get related objects",
            "List the objects that depend on a database file: indexes, views, logical files, triggers, constraints, routines and more (SYSTOOLS.RELATED_OBJECTS).",
            Schema, readOnly: true, paging: true)
    {
    }

    public override async ValueTask<CallToolResult> InvokeAsync(ToolArguments arguments, ISqlRunner sql, CancellationToken cancellationToken)
    {
        var library = SqlNames.Normalize(arguments.RequiredString("library_name", 1, 10));
        var file = SqlNames.Normalize(arguments.RequiredString("file_name", 1, 10));
        var type = arguments.Choice("object_type_filter", ObjectTypes, null);

        SqlValue[] parameters = type is null
            ? [SqlValue.From(library), SqlValue.From(file)]
            : [SqlValue.From(library), SqlValue.From(file), SqlValue.From(type)];
        var offset = OffsetOf(arguments);
        using var result = await sql.ExecuteAsync(PagedCommand(type is null ? AllSql : FilteredSql, parameters, offset, Results.Budget),
            cancellationToken).ConfigureAwait(false);

        var page = ResultPage.Of(result, offset, Results.Budget, Results.PoolMaxRows);
        return BuiltInResults.Success(w =>
        {
            w.WriteString("library"u8, library);
            w.WriteString("file"u8, file);
            if (type is not null)
                w.WriteString("objectType"u8, type);
            BuiltInResults.WritePage(w, result, page, page.Describe(ToolName, Results.Budget));
            BuiltInResults.WriteElapsed(w, result.Elapsed);
        });
    }
}
