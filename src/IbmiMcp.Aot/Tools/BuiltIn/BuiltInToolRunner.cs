using System.Text.Json;
using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>Runs a built-in tool and turns every failure a model can act on into a tool error (never a transport failure).</summary>
internal static class BuiltInToolRunner
{
    public const string NoConnectionMessage =
        "No IBM i connection is configured for this caller. Set DB2i_HOST, DB2i_USER and DB2i_PASS for the server, or sign in with MCP_AUTH_MODE=ibmi.";

    public static async ValueTask<CallToolResult> RunAsync(BuiltInTool tool, IDictionary<string, JsonElement>? arguments, ISqlRunner? sql,
        CancellationToken cancellationToken)
    {
        if (sql is null)
            return BuiltInResults.Error(tool.Name, NoConnectionMessage, "CONFIGURATION_ERROR");
        try
        {
            return await tool.InvokeAsync(new ToolArguments(arguments), sql, cancellationToken).ConfigureAwait(false);
        }
        catch (ToolArgumentException ex)
        {
            return BuiltInResults.Error(tool.Name, "Invalid arguments: " + ex.Message, "VALIDATION_ERROR");
        }
        catch (MapepireException ex)
        {
            return BuiltInResults.Error(tool.Name, ex.Message, ex.Failure == MapepireFailure.Sql ? "DATABASE_ERROR" : ex.Failure.ToString().ToUpperInvariant(),
                ex.SqlState, ex.SqlCode);
        }
    }
}
