using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Tools;
using IbmiMcp.Tools.BuiltIn;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// The YAML tools as an <see cref="IToolSource"/>: serves the watcher's current <see cref="ToolCatalog"/> and
/// re-announces its reloads. Each call reads one catalog snapshot, so a reload never mixes two versions in a call.
/// </summary>
internal sealed class CatalogToolSource : IToolSource, IDisposable
{
    private readonly ToolCatalogWatcher? _watcher;
    private readonly ILogger? _logger;
    private readonly ResultSettings _results;
    private volatile Snapshot _snapshot;

    /// <summary>Serves and follows <paramref name="watcher"/> (reloads raise <see cref="Changed"/>).</summary>
    public CatalogToolSource(ToolCatalogWatcher watcher, ILogger? logger = null, ResultSettings? results = null)
    {
        _watcher = watcher;
        _logger = logger;
        _results = results ?? ResultSettings.Default;
        _snapshot = new Snapshot(watcher.Current);
        watcher.Changed += OnReloaded;
    }

    /// <summary>A fixed catalog (tests, `tools validate`).</summary>
    public CatalogToolSource(ToolCatalog catalog, ILogger? logger = null, ResultSettings? results = null)
    {
        _logger = logger;
        _results = results ?? ResultSettings.Default;
        _snapshot = new Snapshot(catalog);
    }

    public event Action? Changed;

    public IReadOnlyList<McpToolset> Toolsets => _snapshot.Toolsets;

    public ToolAccessPolicy Access => _snapshot.Catalog.Access;

    public IReadOnlyList<Tool> ListTools() => _snapshot.Tools;

    public IReadOnlyList<Prompts.PromptDefinition> Prompts => _snapshot.Catalog.PromptList;

    public bool Contains(string name) => _snapshot.Catalog.Tools.ContainsKey(name);

    public ValueTask<CallToolResult> CallAsync(string name, IDictionary<string, JsonElement>? arguments, Caller caller, CancellationToken cancellationToken)
    {
        if (!_snapshot.Catalog.TryGetTool(name, out var tool))
            throw new KeyNotFoundException(name);
        if (caller.Sql is null)
            return ValueTask.FromResult(BuiltInResults.Error(name, BuiltInToolRunner.NoConnectionMessage, "CONFIGURATION_ERROR"));
        var readOnly = arguments as IReadOnlyDictionary<string, JsonElement> ?? (arguments is null ? null : new Dictionary<string, JsonElement>(arguments));
        return SqlToolExecutor.InvokeAsync(tool, readOnly, caller.Sql, cancellationToken, _logger, _results);
    }

    private void OnReloaded(ToolCatalog catalog)
    {
        _snapshot = new Snapshot(catalog);
        Changed?.Invoke();
    }

    public void Dispose()
    {
        if (_watcher is not null)
            _watcher.Changed -= OnReloaded;
    }

    private sealed class Snapshot
    {
        public Snapshot(ToolCatalog catalog)
        {
            Catalog = catalog;
            var tools = new List<Tool>(catalog.ToolList.Count);
            foreach (var tool in catalog.ToolList)
                tools.Add(tool.ProtocolTool);
            Tools = tools;
            var toolsets = new List<McpToolset>(catalog.ToolsetList.Count);
            foreach (var set in catalog.ToolsetList)
                toolsets.Add(new McpToolset(set.Name, set.Title, set.Description, set.Tools));
            Toolsets = toolsets;
        }

        public ToolCatalog Catalog { get; }
        public IReadOnlyList<Tool> Tools { get; }
        public IReadOnlyList<McpToolset> Toolsets { get; }
    }
}
