using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Mcp;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tests.Mcp;

/// <summary>Tools for transport tests: echo (caller + args), fail (tool error), boom (throws).</summary>
internal sealed class FakeToolSource : IToolSource
{
    private IReadOnlyList<Tool> _tools;

    public FakeToolSource()
    {
        _tools = [MakeTool("echo"), MakeTool("fail"), MakeTool("boom")];
    }

    public event Action? Changed;

    public IbmiMcp.Tools.ToolAccessPolicy Access { get; set; } = IbmiMcp.Tools.ToolAccessPolicy.Open;

    /// <summary>A tool added as "slow" runs until this gate opens (a long IBM i call, for stream-resume tests).</summary>
    public TaskCompletionSource SlowGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<IbmiMcp.Prompts.PromptDefinition> Prompts { get; set; } = [];

    public IReadOnlyList<McpToolset> Toolsets
    {
        get => BrokenToolsets ? throw new InvalidOperationException("toolset internals") : _toolsets;
        set => _toolsets = value;
    }

    private IReadOnlyList<McpToolset> _toolsets =
        [new McpToolset("basics", "Basics", "Echo and friends", ["echo", "fail"]), new McpToolset("danger", null, null, ["boom", "echo"])];

    /// <summary>Reading the toolsets throws (a bug in a handler, for the internal-error tests).</summary>
    public bool BrokenToolsets { get; set; }

    public IReadOnlyList<Tool> ListTools() => _tools;

    public bool Contains(string name)
    {
        foreach (var tool in _tools)
            if (tool.Name == name)
                return true;
        return false;
    }

    public ValueTask<CallToolResult> CallAsync(string name, IDictionary<string, JsonElement>? arguments, Caller caller, CancellationToken cancellationToken)
    {
        switch (name)
        {
            case "fail":
                return ValueTask.FromResult(new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "[SQL0204] FOO in BAR type *FILE not found." }] });
            case "boom":
                throw new InvalidOperationException("secret internals");
            case "slow":
                return SlowAsync();
            default:
                var text = arguments is not null && arguments.TryGetValue("text", out var t) ? t.GetString() : "";
                return ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = $"{caller.Identity}|{caller.Kind}|{text}" }] });
        }
    }

    private async ValueTask<CallToolResult> SlowAsync()
    {
        await SlowGate.Task;
        return new CallToolResult { Content = [new TextContentBlock { Text = "slow done" }] };
    }

    public void AddTool(string name)
    {
        _tools = [.. _tools, MakeTool(name)];
        Changed?.Invoke();
    }

    private static Tool MakeTool(string name)
    {
        using var doc = JsonDocument.Parse("""{"type":"object","properties":{"text":{"type":"string"}}}""");
        return new Tool { Name = name, Description = $"Test tool {name}", InputSchema = doc.RootElement.Clone() };
    }
}
