namespace IbmiMcp.Tools.BuiltIn;

/// <summary>Which built-in tools a server offers (spec §5.11), in advertising order.</summary>
internal static class BuiltInTools
{
    /// <summary>Every built-in tool name, whether enabled or not (what `builtin_tools:` may name).</summary>
    public static readonly string[] Names =
        ["describe_sql_object", "list_schemas", "list_tables_in_schema", "get_table_columns", "get_related_objects", "validate_query", "execute_sql"];

    /// <param name="enableDefaultTools">--builtin-tools / IBMI_ENABLE_DEFAULT_TOOLS: the discovery tools (and execute_sql, as in the reference).</param>
    /// <param name="enableExecuteSql">--execute-sql / IBMI_ENABLE_EXECUTE_SQL.</param>
    /// <param name="executeSqlReadOnly">IBMI_EXECUTE_SQL_READONLY (default true).</param>
    public static IReadOnlyList<BuiltInTool> Create(bool enableDefaultTools, bool enableExecuteSql, bool executeSqlReadOnly)
    {
        var tools = new List<BuiltInTool> { new DescribeSqlObjectTool() };
        if (enableDefaultTools)
        {
            tools.Add(new ListSchemasTool());
            tools.Add(new ListTablesInSchemaTool());
            tools.Add(new GetTableColumnsTool());
            tools.Add(new GetRelatedObjectsTool());
            tools.Add(new ValidateQueryTool());
        }
        if (enableExecuteSql || enableDefaultTools)
            tools.Add(new ExecuteSqlTool(executeSqlReadOnly));
        return tools;
    }
}
