using System.Text.Json;

namespace IbmiMcp.Tools;

/// <summary>A named group of tools (YAML `toolsets.&lt;name&gt;`), after merging and filtering.</summary>
internal sealed class Toolset
{
    public required string Name { get; init; }
    public string? Title { get; init; }
    public string? Description { get; init; }
    /// <summary>Member tool names in YAML order, followed by the global tools (describe_sql_object).</summary>
    public required IReadOnlyList<string> Tools { get; init; }
    /// <summary>`metadata:` as a JSON object, or null.</summary>
    public JsonElement? Metadata { get; init; }
    public SourceLocation Location { get; init; }
}
