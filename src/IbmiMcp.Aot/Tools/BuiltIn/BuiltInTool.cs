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
    /// <param name="paging">The tool pages its rows: its schema gains the shared optional <c>resultOffset</c>.</param>
    protected BuiltInTool(string name, string title, string description, string inputSchemaJson, bool readOnly, bool paging = false)
    {
        Name = name;
        using var schema = JsonDocument.Parse(paging ? WithOffset(inputSchemaJson) : inputSchemaJson);
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

    /// <summary>The server's result budget and format (MCP_RESULT_*), set when the built-in set is created.</summary>
    public ResultSettings Results { get; init; } = ResultSettings.Default;

    protected static int OffsetOf(ToolArguments arguments) => arguments.Integer(ResultBudget.OffsetArgument, 0, 0, ResultBudget.MaxOffset);

    /// <summary>A fetch of the statement's rows up to the end of the page that starts at <paramref name="offset"/>.</summary>
    protected SqlCommand PagedCommand(string sql, IReadOnlyList<SqlValue> parameters, int offset, ResultBudget budget, int pageSize = 0) => new()
    {
        Sql = sql,
        Parameters = parameters,
        FetchAll = true,
        MaxRows = (int)Math.Min(Results.PoolMaxRows, (long)offset + budget.MaxRows),
        PageSize = pageSize,
        ClientTag = ClientTag,
    };

    private static string WithOffset(string schemaJson)
    {
        var schema = System.Text.Json.Nodes.JsonNode.Parse(schemaJson)!.AsObject();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            ToolInputSchemaBuilder.WriteOffsetProperty(w);
            w.WriteEndObject();
        }
        var property = System.Text.Json.Nodes.JsonNode.Parse(buffer.WrittenSpan)!.AsObject()[ResultBudget.OffsetArgument]!;
        property.Parent!.AsObject().Remove(ResultBudget.OffsetArgument);
        schema["properties"]!.AsObject()[ResultBudget.OffsetArgument] = property;
        return schema.ToJsonString();
    }
}
