using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools;

/// <summary>
/// Builds the MCP <see cref="Tool"/> for a loaded tool: input schema, title, annotations derived as the
/// reference does (title = annotations.title or the name in Title Case; readOnlyHint = annotation, else the
/// legacy top-level hint, else security.readOnly), and `_meta` carrying domain, category, toolsets and
/// customMetadata (the SDK's ToolAnnotations has no room for them).
/// </summary>
internal static class ToolDefinitionBuilder
{
    /// <summary>
    /// The structuredContent shape of YAML tools (spec §5.9), declared as the tool's output schema. Every node has one
    /// type (errorCode is always a JSON-RPC style integer here), so single-type schema dialects accept it.
    /// </summary>
    public static readonly JsonElement OutputSchema = JsonElement.Parse("""
        {"type":"object","properties":{
          "success":{"type":"boolean"},
          "data":{"type":"array","items":{"type":"object"}},
          "metadata":{"type":"object","properties":{
            "executionTime":{"type":"number"},"rowCount":{"type":"number"},"affectedRows":{"type":"number"},
            "columns":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"type":{"type":"string"},"label":{"type":"string"}}}},
            "parameterMode":{"type":"string"},"parameterCount":{"type":"number"},"processedParameters":{"type":"number"},
            "toolName":{"type":"string"},"sqlStatement":{"type":"string"},"parameters":{"type":"object"},
            "truncated":{"type":"boolean"},"hasMore":{"type":"boolean"}}},
          "error":{"type":"string"},"errorCode":{"type":"integer"},"errorDetails":{"type":"object"}},
         "required":["success","data"]}
        """);

    public static Tool Build(ToolDraft draft, IReadOnlyList<string> toolsets)
    {
        var title = draft.Title ?? TitleCase(draft.Name);
        var meta = new JsonObject();
        if (draft.Domain is not null) meta["domain"] = draft.Domain;
        if (draft.Category is not null) meta["category"] = draft.Category;
        var ts = new JsonArray();
        foreach (var t in toolsets) ts.Add((JsonNode?)JsonValue.Create(t));
        meta["toolsets"] = ts;
        if (draft.CustomMetadata is { } custom) meta["customMetadata"] = JsonNode.Parse(custom.GetRawText());

        return new Tool
        {
            Name = draft.Name,
            Title = title,
            Description = draft.Description,
            InputSchema = ToolInputSchemaBuilder.Build(draft.Parameters),
            OutputSchema = OutputSchema,
            Annotations = new ToolAnnotations
            {
                Title = title,
                ReadOnlyHint = draft.ReadOnlyHint ?? draft.Security.ReadOnly,
                DestructiveHint = draft.DestructiveHint,
                IdempotentHint = draft.IdempotentHint,
                OpenWorldHint = draft.OpenWorldHint,
            },
            Meta = meta,
        };
    }

    /// <summary>get_employee_details → "Get Employee Details" (split on _ and -).</summary>
    public static string TitleCase(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var part in name.Split(['_', '-'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
        }
        return sb.Length == 0 ? name : sb.ToString();
    }
}
