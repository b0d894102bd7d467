using System.Text.Json;

namespace IbmiMcp.Tools;

/// <summary>A tool as read from one file, before merging and before its bind plan and MCP definition exist.</summary>
internal sealed class ToolDraft
{
    public required string Name { get; init; }
    public required string File { get; init; }
    public SourceLocation Location { get; init; }
    public SourceLocation StatementLocation { get; set; }
    public string SourceName { get; set; } = "";
    public SourceLocation SourceNameLocation { get; set; }
    public string Description { get; set; } = "";
    public string Statement { get; set; } = "";
    public List<ToolParameter> Parameters { get; } = [];
    public bool Enabled { get; set; } = true;
    public string? Domain { get; set; }
    public string? Category { get; set; }
    public JsonElement? CustomMetadata { get; set; }
    /// <summary>Null: the server's MCP_RESULT_FORMAT.</summary>
    public ResponseFormat? ResponseFormat { get; set; }
    public int? MaxResultRows { get; set; }
    public int? MaxResultBytes { get; set; }
    public TableFormat TableFormat { get; set; }
    public int MaxDisplayRows { get; set; } = 100;
    public int? RowsToFetch { get; set; }
    public bool FetchAllRows { get; set; }
    public ToolSecurityPolicy Security { get; set; } = ToolSecurityPolicy.Default;
    public string? Title { get; set; }
    public bool? ReadOnlyHint { get; set; }
    public bool? DestructiveHint { get; set; }
    public bool? IdempotentHint { get; set; }
    public bool? OpenWorldHint { get; set; }
    /// <summary>The tool's own `authorization:` rule, null when it has none.</summary>
    public AccessRule? Authorization { get; set; }
}
