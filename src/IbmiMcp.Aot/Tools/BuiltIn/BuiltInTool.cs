using System.Text.Json;
using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>
/// A tool written in C# rather than YAML (spec §5.11). It runs on the runner it is given: the caller's own pool
/// (the token's pool in ibmi mode), never a server-wide one, which fixes the reference's issue #190.
/// </summary>
internal abstract class BuiltInTool
{
    protected BuiltInTool(string name, string title, string description, string inputSchemaJson, bool readOnly)
    {
        Name = name;
        using var schema = JsonDocument.Parse(inputSchemaJson);
        Tool = new Tool
        {
            Name = name,
            Title = title,
            Description = description,
            InputSchema = schema.RootElement.Clone(),
            Annotations = new ToolAnnotations
            {
                Title = title,
                ReadOnlyHint = readOnly,
                DestructiveHint = !readOnly,
                IdempotentHint = readOnly,
                OpenWorldHint = false,
            },
        };
    }

    public string Name { get; }

    /// <summary>The advertised definition, built once.</summary>
    public Tool Tool { get; }

    /// <summary>
    /// Runs the tool. Argument problems throw <see cref="ToolArgumentException"/>, SQL problems
    /// <see cref="MapepireException"/>; <see cref="BuiltInToolRunner"/> turns both into tool errors.
    /// </summary>
    public abstract ValueTask<CallToolResult> InvokeAsync(ToolArguments arguments, ISqlRunner sql, CancellationToken cancellationToken);

    /// <summary>What the IBM i job shows as the running program (CLIENT_PROGRAMID), for attribution in audit data.</summary>
    protected string ClientTag => "ibmi-mcp:" + Name;
}
