using System.Text.Json;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Prompts;

/// <summary>Where completion values for a prompt argument come from (<c>complete:</c> or <c>enum:</c> in YAML).</summary>
internal enum ArgumentCompletionKind
{
    None,
    /// <summary>The argument's <c>enum</c> values.</summary>
    Enum,
    /// <summary>Schema (library) names from QSYS2.SYSSCHEMAS, as the caller sees them.</summary>
    Schema,
    /// <summary>Table, view and file names from QSYS2.SYSTABLES within the schema another argument names.</summary>
    Table,
}

internal sealed class PromptArgumentDefinition
{
    public required string Name { get; init; }
    public string? Title { get; init; }
    public string? Description { get; init; }
    public bool Required { get; init; }
    /// <summary>The allowed values; empty when any text is allowed.</summary>
    public IReadOnlyList<string> Enum { get; init; } = [];
    public ArgumentCompletionKind Completion { get; init; }
    /// <summary>For <see cref="ArgumentCompletionKind.Table"/>: the index of the argument that names the schema.</summary>
    public int SchemaArgument { get; init; } = -1;
    public SourceLocation Location { get; init; }
}

internal sealed record PromptMessageDefinition(Role Role, PromptTemplate Template);

/// <summary>
/// A YAML prompt (<c>prompts:</c>, docs/prompts.md): shown by <c>prompts/list</c>, rendered by <c>prompts/get</c> with its
/// <c>{{argument}}</c> placeholders filled. Rendering is pure text work; no SQL runs (completions do, see
/// <see cref="ArgumentCompleter"/>).
/// </summary>
internal sealed class PromptDefinition
{
    /// <summary>An argument value longer than this is refused: prompt text is read by a model, not a file upload.</summary>
    public const int MaxArgumentLength = 4096;

    public PromptDefinition(string name, string? title, string description, IReadOnlyList<PromptArgumentDefinition> arguments,
        IReadOnlyList<PromptMessageDefinition> messages, AccessRule? authorization, SourceLocation location)
    {
        Name = name;
        Title = title;
        Description = description;
        Arguments = arguments;
        Messages = messages;
        Authorization = authorization;
        Location = location;
        ProtocolPrompt = new Prompt
        {
            Name = name,
            Title = title,
            Description = description,
            Arguments = arguments.Count == 0 ? null : arguments.Select(a => new PromptArgument
            {
                Name = a.Name,
                Title = a.Title,
                Description = a.Enum.Count == 0 ? a.Description : $"{a.Description}{(a.Description is null ? "" : " ")}One of: {string.Join(", ", a.Enum)}.",
                Required = a.Required,
            }).ToList(),
        };
    }

    public string Name { get; }
    public string? Title { get; }
    public string Description { get; }
    public IReadOnlyList<PromptArgumentDefinition> Arguments { get; }
    public IReadOnlyList<PromptMessageDefinition> Messages { get; }
    /// <summary>Who may see and get the prompt; null when everyone may.</summary>
    public AccessRule? Authorization { get; }
    public SourceLocation Location { get; }
    public Prompt ProtocolPrompt { get; }

    public int IndexOfArgument(string name)
    {
        for (var i = 0; i < Arguments.Count; i++)
            if (string.Equals(Arguments[i].Name, name, StringComparison.Ordinal))
                return i;
        return -1;
    }

    /// <summary>
    /// Fills the messages from <paramref name="arguments"/>. Null and the problems (missing required argument, unknown
    /// argument, value not in the enum, value too long or not text) when the arguments do not fit the prompt.
    /// </summary>
    public GetPromptResult? Render(IDictionary<string, JsonElement>? arguments, out List<string>? problems)
    {
        problems = null;
        var values = new string?[Arguments.Count];
        if (arguments is not null)
        {
            foreach (var (key, value) in arguments)
            {
                var index = IndexOfArgument(key);
                if (index < 0)
                {
                    (problems ??= []).Add(Arguments.Count == 0
                        ? $"'{key}' is not an argument (this prompt takes none)"
                        : $"'{key}' is not an argument (arguments: {string.Join(", ", Arguments.Select(a => a.Name))})");
                    continue;
                }
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    _ => Invalid(ref problems, $"'{key}' must be text"),
                };
                if (text is null)
                    continue;
                if (text.Length > MaxArgumentLength)
                {
                    (problems ??= []).Add($"'{key}' is longer than {MaxArgumentLength} characters");
                    continue;
                }
                values[index] = Canonical(Arguments[index], text, ref problems);
            }
        }
        for (var i = 0; i < Arguments.Count; i++)
            if (Arguments[i].Required && string.IsNullOrEmpty(values[i]))
                (problems ??= []).Add($"'{Arguments[i].Name}' is required");
        if (problems is not null)
            return null;

        var messages = new List<PromptMessage>(Messages.Count);
        foreach (var message in Messages)
            messages.Add(new PromptMessage { Role = message.Role, Content = new TextContentBlock { Text = message.Template.Render(values) } });
        return new GetPromptResult { Description = Description, Messages = messages };
    }

    private static string? Invalid(ref List<string>? problems, string problem)
    {
        (problems ??= []).Add(problem);
        return null;
    }

    /// <summary>An enum argument takes one of its values, matched without regard to case and given back as declared.</summary>
    private static string? Canonical(PromptArgumentDefinition argument, string text, ref List<string>? problems)
    {
        if (argument.Enum.Count == 0)
            return text;
        foreach (var allowed in argument.Enum)
            if (string.Equals(allowed, text, StringComparison.OrdinalIgnoreCase))
                return allowed;
        return Invalid(ref problems, $"'{argument.Name}' must be one of: {string.Join(", ", argument.Enum)}");
    }
}
