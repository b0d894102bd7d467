using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// Several tool sources served as one (built-in tools first, then YAML). On a name clash the earlier source wins,
/// so an enabled built-in keeps its name even when a YAML file defines the same one (text2sql.yaml does).
/// The merged list is rebuilt only when a part raises <see cref="Changed"/>.
/// </summary>
internal sealed class CompositeToolSource : IToolSource
{
    private readonly IToolSource[] _parts;
    private volatile Snapshot _snapshot;

    public CompositeToolSource(params IToolSource[] parts)
    {
        _parts = parts;
        _snapshot = Build(parts);
        foreach (var part in parts)
            part.Changed += OnPartChanged;
    }

    public event Action? Changed;

    public IReadOnlyList<McpToolset> Toolsets => _snapshot.Toolsets;

    public ToolAccessPolicy Access => _snapshot.Access;

    public IReadOnlyList<Tool> ListTools() => _snapshot.Tools;

    public IReadOnlyList<Prompts.PromptDefinition> Prompts => _snapshot.Prompts;

    public bool Contains(string name) => _snapshot.Owners.ContainsKey(name);

    public ValueTask<CallToolResult> CallAsync(string name, IDictionary<string, JsonElement>? arguments, Caller caller, CancellationToken cancellationToken)
    {
        if (!_snapshot.Owners.TryGetValue(name, out var owner))
            throw new KeyNotFoundException(name);   // McpHandlers checks Contains first
        return owner.CallAsync(name, arguments, caller, cancellationToken);
    }

    private void OnPartChanged()
    {
        _snapshot = Build(_parts);
        Changed?.Invoke();
    }

    private static Snapshot Build(IToolSource[] parts)
    {
        var tools = new List<Tool>();
        var owners = new Dictionary<string, IToolSource>(StringComparer.Ordinal);
        var toolsets = new List<McpToolset>();
        var prompts = new List<Prompts.PromptDefinition>();
        foreach (var part in parts)
        {
            foreach (var prompt in part.Prompts)
                if (!prompts.Exists(p => p.Name == prompt.Name))
                    prompts.Add(prompt);
            foreach (var tool in part.ListTools())
            {
                if (owners.TryAdd(tool.Name, part))
                    tools.Add(tool);
            }
            toolsets.AddRange(part.Toolsets);
        }
        return new Snapshot(tools, owners, toolsets, ToolAccessPolicy.Combine(parts.Select(p => p.Access)), prompts);
    }

    private sealed record Snapshot(List<Tool> Tools, Dictionary<string, IToolSource> Owners, List<McpToolset> Toolsets, ToolAccessPolicy Access,
        List<Prompts.PromptDefinition> Prompts);
}
