using System.Text.Json;

namespace IbmiMcp.Tools;

/// <summary>Everything one YAML file defines, in file order.</summary>
internal sealed class ToolFileContent
{
    public required string File { get; init; }
    public List<ToolSource> Sources { get; } = [];
    public List<ToolDraft> Tools { get; } = [];
    public List<ToolsetDraft> Toolsets { get; } = [];
    public List<Prompts.PromptDefinition> Prompts { get; } = [];
    public JsonElement? Metadata { get; set; }
    /// <summary>`builtin_tools.<name>.authorization` rules, in file order.</summary>
    public List<(string Tool, AccessRule Rule)> BuiltInRules { get; } = [];
}
