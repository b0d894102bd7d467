namespace IbmiMcp.Mcp.Errors;

/// <summary>The JSON types a field may hold (JSON Schema's <c>type</c>, as flags so a field may allow several).</summary>
[Flags]
internal enum JsonKinds
{
    None = 0,
    String = 1,
    Integer = 2,
    /// <summary>Any number, integers included.</summary>
    Number = 4 | Integer,
    Boolean = 8,
    Object = 16,
    Array = 32,
    Null = 64,
}

/// <summary>
/// One field of a request's params, as the MCP schema defines it: its JSON type, whether it is required, the fields of
/// an object, the allowed values of a string, the type of an object's values (a map such as <c>prompts/get</c>'s
/// arguments). Fields not listed are accepted and ignored, as the specification allows.
/// </summary>
internal sealed record McpField(string Name, JsonKinds Kinds, bool Required = false)
{
    /// <summary>The fields of an object value.</summary>
    public McpField[]? Fields { get; init; }

    /// <summary>The only strings allowed (an enum).</summary>
    public string[]? OneOf { get; init; }

    /// <summary>The shape of every element of an array (its Name is unused; paths read <c>field[i]</c>).</summary>
    public McpField? Items { get; init; }

    /// <summary>The type every member of an object must have (a map).</summary>
    public JsonKinds Values { get; init; }

    /// <summary>
    /// For a tagged object (a union on a string field): the tag field's name and, per tag value, the fields that tag
    /// requires besides the shared ones (completion/complete's <c>ref</c>).
    /// </summary>
    public (string Tag, Dictionary<string, McpField[]> Variants)? Union { get; init; }
}
