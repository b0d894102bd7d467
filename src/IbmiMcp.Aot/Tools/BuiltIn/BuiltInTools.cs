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
    /// <param name="results">The server's result budget and format; <see cref="ResultSettings.Default"/> when null.</param>
    public static IReadOnlyList<BuiltInTool> Create(bool enableDefaultTools, bool enableExecuteSql, bool executeSqlReadOnly, ResultSettings? results = null)
    {
        results ??= ResultSettings.Default;
        var tools = new List<BuiltInTool> { new DescribeSqlObjectTool { Results = results } };
        if (enableDefaultTools)
        {
            tools.Add(new ListSchemasTool { Results = results });
            tools.Add(new ListTablesInSchemaTool { Results = results });
            tools.Add(new GetTableColumnsTool { Results = results });
            tools.Add(new GetRelatedObjectsTool { Results = results });
            tools.Add(new ValidateQueryTool { Results = results });
        }
        if (enableExecuteSql || enableDefaultTools)
            tools.Add(new ExecuteSqlTool(executeSqlReadOnly) { Results = results });
        return tools;
    }
}
