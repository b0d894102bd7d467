using System.Text.Json;

namespace IbmiMcp.Tools;

/// <summary>A toolset as read from one file (merged across files by name).</summary>
internal sealed class ToolsetDraft
{
    public required string Name { get; init; }
    public SourceLocation Location { get; init; }
    public string? Title { get; set; }
    public string? Description { get; set; }
    public List<(string Tool, SourceLocation At)> Tools { get; set; } = [];
    public JsonElement? Metadata { get; set; }
    /// <summary>The toolset's `authorization:` rules (one per file that defines it), applied to the tools it lists.</summary>
    public List<AccessRule> Rules { get; set; } = [];
}
