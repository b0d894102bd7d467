namespace IbmiMcp.Tools.BuiltIn;

/// <summary>Which built-in tools a server offers (spec §5.11), in advertising order.</summary>
internal static class BuiltInTools
{
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
