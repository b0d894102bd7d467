using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Tools;
using IbmiMcp.Tools.BuiltIn;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>The built-in tools as an <see cref="IToolSource"/>. Each call runs on the caller's own runner.</summary>
internal sealed class BuiltInToolSource : IToolSource
{
    private readonly Dictionary<string, BuiltInTool> _byName;
    private readonly IReadOnlyList<Tool> _tools;

    public BuiltInToolSource(IReadOnlyList<BuiltInTool> tools)
    {
        _byName = new Dictionary<string, BuiltInTool>(StringComparer.Ordinal);
        var list = new List<Tool>(tools.Count);
        foreach (var tool in tools)
        {
            _byName[tool.Name] = tool;
            list.Add(tool.Tool);
        }
        _tools = list;
    }

    public static BuiltInToolSource FromOptions(ServerOptions options)
        => new(BuiltInTools.Create(options.EnableDefaultTools, options.EnableExecuteSql, options.ExecuteSqlReadOnly, ResultSettings.From(options)));

    /// <summary>Never raised: the built-in set is fixed for the process lifetime.</summary>
    public event Action? Changed { add { } remove { } }

    public IReadOnlyList<McpToolset> Toolsets => [];

    /// <summary>Built-in tools carry no rules of their own: `builtin_tools:` rules arrive with the YAML catalog.</summary>
    public ToolAccessPolicy Access => ToolAccessPolicy.Open;

    public IReadOnlyList<Tool> ListTools() => _tools;

    public IReadOnlyList<Prompts.PromptDefinition> Prompts => [];

    public bool Contains(string name) => _byName.ContainsKey(name);

    public ValueTask<CallToolResult> CallAsync(string name, IDictionary<string, JsonElement>? arguments, Caller caller, CancellationToken cancellationToken)
        => BuiltInToolRunner.RunAsync(_byName[name], arguments, caller.Sql, cancellationToken);
}
