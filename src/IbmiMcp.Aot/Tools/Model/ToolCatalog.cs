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
        IReadOnlyList<ToolSource> sources, JsonElement? metadata, IReadOnlyList<string> files, IReadOnlyList<string> selectedToolsets)
    {
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

    /// <summary>
    /// The `toolsets://` resource body (spec §5.11): {totalToolsets, totalTools, toolsets:[{name, title,
    /// description, tools, toolCount}], statistics:{multiToolsetTools, toolsetCounts}, timestamp}. With
    /// <paramref name="toolset"/> only that toolset is listed (`toolsets://name`); false when unknown.
    /// </summary>
    public bool WriteToolsetsResource(Utf8JsonWriter w, string? toolset, DateTimeOffset timestamp)
    {
        IReadOnlyList<Toolset> list = ToolsetList;
        if (toolset is not null)
        {
            if (!Toolsets.TryGetValue(toolset, out var one)) return false;
            list = [one];
        }
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        var membership = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var ts in list)
            foreach (var t in ts.Tools)
            {
                distinct.Add(t);
                membership[t] = membership.GetValueOrDefault(t) + 1;
            }
        int multi = 0;
        foreach (var (_, count) in membership) if (count > 1) multi++;

        w.WriteStartObject();
        w.WriteNumber("totalToolsets", list.Count);
        w.WriteNumber("totalTools", distinct.Count);
        w.WriteStartArray("toolsets");
        foreach (var ts in list)
        {
            w.WriteStartObject();
            w.WriteString("name", ts.Name);
            if (ts.Title is not null) w.WriteString("title", ts.Title);
            w.WriteString("description", ts.Description ?? "");
            w.WriteStartArray("tools");
            foreach (var t in ts.Tools) w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteNumber("toolCount", ts.Tools.Count);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("statistics");
        w.WriteNumber("multiToolsetTools", multi);
        w.WriteStartObject("toolsetCounts");
        foreach (var ts in list) w.WriteNumber(ts.Name, ts.Tools.Count);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("timestamp", timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteEndObject();
        return true;
    }
}
