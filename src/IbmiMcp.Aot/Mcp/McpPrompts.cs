using IbmiMcp.Auth;
using IbmiMcp.Prompts;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// <c>prompts/list</c>, <c>prompts/get</c> and <c>completion/complete</c> over the YAML prompts (docs/prompts.md) and the
/// <c>toolsets://{toolset}</c> resource template. A prompt with an <c>authorization:</c> rule is listed, rendered and
/// completed only for callers it admits; completions that read the catalog run as the caller on the caller's pool.
/// </summary>
internal sealed class McpPrompts
{
    private readonly ToolAccess _access;
    private readonly ToolsetsResource _toolsets;
    private readonly TimeSpan _completionTimeout;

    public McpPrompts(ToolAccess access, ToolsetsResource toolsets, TimeSpan completionTimeout)
    {
        _access = access;
        _toolsets = toolsets;
        _completionTimeout = completionTimeout;
    }

    public ListPromptsResult List(Caller caller)
    {
        var prompts = _access.VisiblePrompts(caller);
        var list = new List<Prompt>(prompts.Count);
        foreach (var prompt in prompts)
            list.Add(prompt.ProtocolPrompt);
        return new ListPromptsResult { Prompts = list };
    }

    public GetPromptResult Get(GetPromptRequestParams? request, Caller caller)
    {
        var prompt = Find(request?.Name, caller);
        return prompt.Render(request!.Arguments, out var problems)
            ?? throw new McpProtocolException($"Invalid arguments for prompt '{prompt.Name}': {string.Join("; ", problems!)}", McpErrorCode.InvalidParams);
    }

    public async ValueTask<CompleteResult> CompleteAsync(CompleteRequestParams? request, Caller caller, CancellationToken cancellationToken)
    {
        if (request?.Argument is not { } argument)
            throw new McpProtocolException("completion/complete requires params.ref and params.argument", McpErrorCode.InvalidParams);
        switch (request.Ref)
        {
            case PromptReference reference:
                var prompt = Find(reference.Name, caller);
                var index = prompt.IndexOfArgument(argument.Name);
                if (index < 0)
                    throw new McpProtocolException(
                        $"Prompt '{prompt.Name}' has no argument '{argument.Name}' ({(prompt.Arguments.Count == 0 ? "it takes none" : "arguments: " + string.Join(", ", prompt.Arguments.Select(a => a.Name)))})",
                        McpErrorCode.InvalidParams);
                var completion = await ArgumentCompleter.CompleteAsync(prompt, prompt.Arguments[index], argument.Value, request.Context?.Arguments,
                    caller.Sql, _completionTimeout, cancellationToken).ConfigureAwait(false);
                return new CompleteResult { Completion = completion };
            case ResourceTemplateReference template:
                return new CompleteResult { Completion = _toolsets.Complete(template.Uri, argument.Name, argument.Value, caller) };
            default:
                throw new McpProtocolException("completion/complete: ref must be a ref/prompt or a ref/resource", McpErrorCode.InvalidParams);
        }
    }

    /// <summary>The prompt by name, as this caller may use it: unknown → -32602, refused by its rule → -32005 naming the rule.</summary>
    private PromptDefinition Find(string? name, Caller caller)
    {
        var prompts = _access.VisiblePrompts(caller);
        foreach (var prompt in prompts)
            if (string.Equals(prompt.Name, name, StringComparison.Ordinal))
                return prompt;
        foreach (var prompt in _access.AllPrompts)
            if (string.Equals(prompt.Name, name, StringComparison.Ordinal) && ToolAccess.Refusal(prompt, caller) is { } rule)
                throw new McpProtocolException(ToolAccess.Message("prompt", prompt.Name, rule, caller), (McpErrorCode)ToolAccess.ForbiddenCode);
        throw new McpProtocolException($"Unknown prompt: '{name}'", McpErrorCode.InvalidParams);
    }
}
