using System.Buffers;
using System.Text.Json;

namespace IbmiMcp.Tools;

/// <summary>
/// Derives a tool's MCP input JSON Schema from its parameters as the reference does (spec §5.4, the shape its
/// zod schema converts to): string/integer/number/boolean/array types, description with
/// " Must be one of: 'A', 'B'" appended for enums (a non-boolean enum also becomes the JSON enum), default,
/// minimum/maximum, minLength/maxLength (minItems/maxItems for arrays), pattern, items from itemType, a
/// required list of the parameters without default whose `required` is not false, and
/// additionalProperties: false.
/// </summary>
internal static class ToolInputSchemaBuilder
{
    /// <param name="paging">Adds the optional <c>resultOffset</c> every row-returning tool takes (<see cref="ResultBudget"/>).</param>
    public static JsonElement Build(IReadOnlyList<ToolParameter> parameters, bool paging = true)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "object");
            w.WriteStartObject("properties");
            foreach (var p in parameters)
            {
                w.WriteStartObject(p.Name);
                WriteParameter(w, p);
                w.WriteEndObject();
            }
            if (paging)
                WriteOffsetProperty(w);
            w.WriteEndObject();
            bool anyRequired = false;
            foreach (var p in parameters)
            {
                if (!p.IsRequired) continue;
                if (!anyRequired) { w.WriteStartArray("required"); anyRequired = true; }
                w.WriteStringValue(p.Name);
            }
            if (anyRequired) w.WriteEndArray();
            w.WriteBoolean("additionalProperties", false);
            w.WriteString("$schema", "http://json-schema.org/draft-07/schema#");
            w.WriteEndObject();
        }
        return JsonElement.Parse(buffer.WrittenSpan);
    }

    /// <summary><c>"resultOffset": {…}</c> — shared with the built-in tools that page the same way.</summary>
    public static void WriteOffsetProperty(Utf8JsonWriter w)
    {
        w.WriteStartObject(ResultBudget.OffsetArgument);
        w.WriteString("type", "integer");
        w.WriteNumber("minimum", 0);
        w.WriteNumber("maximum", ResultBudget.MaxOffset);
        w.WriteString("description", "Only to read on after a result that was cut: skip this many rows (the cut result says which value to pass).");
        w.WriteEndObject();
    }

    private static void WriteParameter(Utf8JsonWriter w, ToolParameter p)
    {
        bool enumApplies = p.Enum is { Count: > 0 } && p.Type != ToolParameterType.Boolean;
        if (enumApplies && p.Type != ToolParameterType.Array) WriteEnum(w, p.Enum!, p.Type);
        else
        {
            w.WriteString("type", JsonType(p.Type));
            switch (p.Type)
            {
                case ToolParameterType.String:
                    if (p.MinLength is int minLen) w.WriteNumber("minLength", minLen);
                    if (p.MaxLength is int maxLen) w.WriteNumber("maxLength", maxLen);
                    if (p.Pattern is { } pattern) w.WriteString("pattern", pattern);
                    break;
                case ToolParameterType.Integer:
                case ToolParameterType.Float:
                    if (p.Min is double min) w.WriteNumber("minimum", min);
                    if (p.Max is double max) w.WriteNumber("maximum", max);
                    break;
                case ToolParameterType.Array:
                    w.WriteStartObject("items");
                    if (enumApplies) WriteEnum(w, p.Enum!, p.ItemType ?? ToolParameterType.String);
                    else if (p.ItemType is { } itemType) w.WriteString("type", JsonType(itemType));
                    w.WriteEndObject();
                    if (p.MinLength is int minItems) w.WriteNumber("minItems", minItems);
                    if (p.MaxLength is int maxItems) w.WriteNumber("maxItems", maxItems);
                    break;
            }
        }
        if (p.HasDefault)
        {
            w.WritePropertyName("default");
            p.Default!.Value.WriteTo(w);
        }
        var description = Describe(p);
        if (description is not null) w.WriteString("description", description);
    }

    /// <summary>The description as the reference shows it: the YAML text plus the enum list.</summary>
    public static string? Describe(ToolParameter p)
    {
        if (p.Enum is not { Count: > 0 } values || p.Type == ToolParameterType.Boolean) return p.Description;
        var suffix = "Must be one of: " + ToolArgumentValidator.FormatEnum(values);
        return string.IsNullOrEmpty(p.Description) ? suffix : p.Description + " " + suffix;
    }

    /// <summary>
    /// Same-kind literals give <c>{"type": …, "enum": […]}</c>. Mixed kinds give an <c>anyOf</c> of one single-typed
    /// enum per kind: clients that map schemas onto a single-type dialect (Gemini function declarations) reject a
    /// <c>type</c> array or an enum without a type.
    /// </summary>
    private static void WriteEnum(Utf8JsonWriter w, IReadOnlyList<JsonElement> values, ToolParameterType declared)
    {
        var kinds = new List<string>(1);
        foreach (var v in values)
            if (!kinds.Contains(EnumType(v, declared)))
                kinds.Add(EnumType(v, declared));
        if (kinds.Count == 1)
        {
            WriteTypedEnum(w, kinds[0], values, declared);
            return;
        }
        w.WriteStartArray("anyOf");
        foreach (var kind in kinds)
        {
            w.WriteStartObject();
            WriteTypedEnum(w, kind, values, declared);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteTypedEnum(Utf8JsonWriter w, string type, IReadOnlyList<JsonElement> values, ToolParameterType declared)
    {
        w.WriteString("type", type);
        w.WriteStartArray("enum");
        foreach (var v in values)
            if (EnumType(v, declared) == type)
                v.WriteTo(w);
        w.WriteEndArray();
    }

    private static string EnumType(JsonElement value, ToolParameterType declared) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => declared == ToolParameterType.Integer ? "integer" : "number",
        _ => "boolean",
    };

    private static string JsonType(ToolParameterType type) => type switch
    {
        ToolParameterType.String => "string",
        ToolParameterType.Integer => "integer",
        ToolParameterType.Float => "number",
        ToolParameterType.Boolean => "boolean",
        _ => "array",
    };
}
