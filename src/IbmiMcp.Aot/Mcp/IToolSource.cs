using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// What the MCP layer needs from a set of tools: the advertised list, a name check, execution as a given caller,
/// the toolsets (for the <c>toolsets://</c> resources), the prompts of the same YAML files, and a change signal (for
/// <c>notifications/tools/list_changed</c> and <c>notifications/prompts/list_changed</c>).
/// Implemented by the built-in tools, the YAML catalog adapter and <see cref="CompositeToolSource"/>.
/// </summary>
internal interface IToolSource
{
    /// <summary>The current tools, in advertising order. The same instance is returned until <see cref="Changed"/> fires.</summary>
    IReadOnlyList<Tool> ListTools();

    bool Contains(string name);

    /// <summary>
    /// Runs the tool as <paramref name="caller"/>. Failures a model can act on (bad arguments, SQL errors, no
    /// connection) come back as a result with <c>IsError = true</c>; only an unknown name is a protocol error.
    /// </summary>
    ValueTask<CallToolResult> CallAsync(string name, IDictionary<string, JsonElement>? arguments, Caller caller, CancellationToken cancellationToken);

    IReadOnlyList<McpToolset> Toolsets { get; }

    /// <summary>Who may use which tool (YAML `authorization:` rules, built-in rules included); <see cref="ToolAccessPolicy.Open"/> when none.</summary>
    ToolAccessPolicy Access { get; }

    /// <summary>The YAML prompts (prompts/list), in definition order; empty for sources without a catalog.</summary>
    IReadOnlyList<Prompts.PromptDefinition> Prompts { get; }

    /// <summary>Raised after the tool list changed (YAML reload). Handlers must be cheap and must not throw.</summary>
    event Action? Changed;
}
