using IbmiMcp.Configuration;
using IbmiMcp.Tools;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Mcp;

/// <summary>Builds the tool source the MCP endpoint and the stdio host serve.</summary>
internal static class McpToolSources
{
    /// <summary>
    /// Built-in tools (describe_sql_object always; the rest per --builtin-tools / --execute-sql) first, then the YAML
    /// catalog when one is loaded. Reloads of <paramref name="yaml"/> reach MCP clients as tools/list_changed.
    /// </summary>
    public static IToolSource Create(ServerOptions options, ToolCatalogWatcher? yaml, ILoggerFactory loggerFactory)
    {
        var builtIns = BuiltInToolSource.FromOptions(options);
        return yaml is null
            ? new CompositeToolSource(builtIns)
            : new CompositeToolSource(builtIns, new CatalogToolSource(yaml, loggerFactory.CreateLogger("IbmiMcp.Tools"), ResultSettings.From(options)));
    }
}
