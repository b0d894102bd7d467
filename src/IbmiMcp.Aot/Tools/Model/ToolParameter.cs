using System.Text.Json;
using System.Text.RegularExpressions;

namespace IbmiMcp.Tools;

/// <summary>One entry of a tool's `parameters:` list (spec §5.4).</summary>
internal sealed class ToolParameter
{
    public required string Name { get; init; }
    public required ToolParameterType Type { get; init; }
    public string? Description { get; init; }
    /// <summary>Default as written in YAML (converted to JSON), for the input schema.</summary>
    public JsonElement? Default { get; init; }
    /// <summary>Default coerced to the parameter's type at load, used when the argument is missing.</summary>
    public ArgumentValue DefaultValue { get; init; }
    /// <summary>`required:` as written (null when omitted, which the reference treats as required).</summary>
    public bool? Required { get; init; }
    public ToolParameterType? ItemType { get; init; }
    public double? Min { get; init; }
    public double? Max { get; init; }
    public int? MinLength { get; init; }
    public int? MaxLength { get; init; }
    /// <summary>Allowed values as written (strings, numbers or booleans).</summary>
    public IReadOnlyList<JsonElement>? Enum { get; init; }
    public string? Pattern { get; init; }
    public Regex? PatternRegex { get; init; }
    public SourceLocation Location { get; init; }

    public bool HasDefault => Default is { ValueKind: not JsonValueKind.Null };

    /// <summary>The reference's rule: optional only if `required: false` and no default; a default makes it optional too.</summary>
    public bool IsRequired => !HasDefault && Required != false;
}
