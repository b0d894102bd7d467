using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools;

/// <summary>
/// One loaded YAML SQL tool: its definition, the prebuilt MCP <see cref="Tool"/> (name, title, description,
/// input schema, annotations, _meta) and the bind plan computed from its statement at load. Immutable.
/// </summary>
internal sealed class SqlTool
{
    public required string Name { get; init; }
    public required string SourceName { get; init; }
    public required string Description { get; init; }
    public required string Statement { get; init; }
    public required IReadOnlyList<ToolParameter> Parameters { get; init; }
    public bool Enabled { get; init; } = true;
    public string? Domain { get; init; }
    public string? Category { get; init; }
    /// <summary>Tool `metadata:` merged with extra annotation keys (annotations.customMetadata), or null.</summary>
    public JsonElement? CustomMetadata { get; init; }
    /// <summary>The tool's own responseFormat; null means the server's MCP_RESULT_FORMAT.</summary>
    public ResponseFormat? ResponseFormat { get; init; }
    /// <summary>The tool's own result budget (maxResultRows / maxResultBytes); null parts come from the server's.</summary>
    public int? MaxResultRows { get; init; }
    public int? MaxResultBytes { get; init; }
    public TableFormat TableFormat { get; init; } = TableFormat.Markdown;
    public int MaxDisplayRows { get; init; } = 100;
    public int? RowsToFetch { get; init; }
    public bool FetchAllRows { get; init; }
    public ToolSecurityPolicy Security { get; init; } = ToolSecurityPolicy.Default;
    public required SqlBindPlan BindPlan { get; init; }
    /// <summary>Toolsets this tool belongs to (after filtering), in toolset order.</summary>
    public IReadOnlyList<string> Toolsets { get; init; } = [];
    /// <summary>The MCP tool definition served by tools/list.</summary>
    public required Tool ProtocolTool { get; init; }
    public SourceLocation Location { get; init; }

    /// <summary>This tool's budget: its own limits where it sets them, else <paramref name="server"/>'s.</summary>
    public ResultBudget BudgetWithin(ResultBudget server) => new(MaxResultRows ?? server.MaxRows, MaxResultBytes ?? server.MaxBytes);

    /// <summary>Index of a parameter by name, or -1.</summary>
    public int IndexOfParameter(string name)
    {
        var ps = Parameters;
        for (int i = 0; i < ps.Count; i++)
            if (string.Equals(ps[i].Name, name, StringComparison.Ordinal)) return i;
        return -1;
    }
}
