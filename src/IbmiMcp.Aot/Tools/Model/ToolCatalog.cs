using System.Collections.Frozen;
using System.Text.Json;

namespace IbmiMcp.Tools;

/// <summary>
/// An immutable snapshot of the loaded YAML tools: tools by name (enabled, after toolset filtering), the
/// served toolsets, every defined toolset (for --list-toolsets), and the sources. A reload builds a new
/// catalog and swaps it whole (<see cref="ToolCatalogWatcher"/>), so a request sees one consistent version.
/// </summary>
internal sealed class ToolCatalog
{
    /// <summary>Built-in tools the reference appends to every toolset (spec §5.8).</summary>
    public static readonly IReadOnlyList<string> GlobalTools = ["describe_sql_object"];

    public static readonly ToolCatalog Empty = new([], [], [], [], null, [], []);

    public ToolCatalog(IReadOnlyList<SqlTool> tools, IReadOnlyList<Toolset> toolsets, IReadOnlyList<Toolset> availableToolsets,
        IReadOnlyList<ToolSource> sources, JsonElement? metadata, IReadOnlyList<string> files, IReadOnlyList<string> selectedToolsets,
        ToolAccessPolicy? access = null, IReadOnlyList<Prompts.PromptDefinition>? prompts = null)
    {
        PromptList = prompts ?? [];
        Prompts = PromptList.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal);
        Access = access ?? ToolAccessPolicy.Open;
        ToolList = tools;
        Tools = tools.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
        ToolsetList = toolsets;
        Toolsets = toolsets.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
        AvailableToolsets = availableToolsets;
        Sources = sources.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);
        Metadata = metadata;
        Files = files;
        SelectedToolsets = selectedToolsets;
    }

    public FrozenDictionary<string, SqlTool> Tools { get; }
    /// <summary>Tools in definition order (files in path order, tools in file order), for tools/list.</summary>
    public IReadOnlyList<SqlTool> ToolList { get; }
    public FrozenDictionary<string, Toolset> Toolsets { get; }
    /// <summary>Served toolsets in definition order.</summary>
    public IReadOnlyList<Toolset> ToolsetList { get; }
    /// <summary>Every toolset the files define, selected or not.</summary>
    public IReadOnlyList<Toolset> AvailableToolsets { get; }
    public FrozenDictionary<string, ToolSource> Sources { get; }
    /// <summary>Top-level `metadata:` merged across files (later keys win).</summary>
    public JsonElement? Metadata { get; }
    public IReadOnlyList<string> Files { get; }
    /// <summary>The toolset selection applied (empty = all tools).</summary>
    public IReadOnlyList<string> SelectedToolsets { get; }

    public bool TryGetTool(string name, out SqlTool tool) => Tools.TryGetValue(name, out tool!);

    /// <summary>The `prompts:` of every file, in definition order (prompts/list).</summary>
    public IReadOnlyList<Prompts.PromptDefinition> PromptList { get; }
    public FrozenDictionary<string, Prompts.PromptDefinition> Prompts { get; }

    /// <summary>Who may use which tool (YAML tools and built-in tools alike), from `authorization:` rules.</summary>
    public ToolAccessPolicy Access { get; }
}
