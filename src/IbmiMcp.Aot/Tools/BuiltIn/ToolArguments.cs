using System.Globalization;
using System.Text.Json;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>
/// Typed, validated reads of tools/call arguments straight from the JsonElements (no binding, no reflection).
/// Lenient where models are sloppy (numbers and booleans sent as strings), strict on ranges and lengths.
/// </summary>
internal readonly struct ToolArguments
{
    private readonly IDictionary<string, JsonElement>? _values;

    public ToolArguments(IDictionary<string, JsonElement>? values) => _values = values;

    private bool TryGet(string name, out JsonElement value)
    {
        if (_values is not null && _values.TryGetValue(name, out value) && value.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined)
            return true;
        value = default;
        return false;
    }

    public string RequiredString(string name, int minLength = 1, int maxLength = int.MaxValue)
        => OptionalString(name, minLength, maxLength) ?? throw new ToolArgumentException($"'{name}' is required.");

    public string? OptionalString(string name, int minLength = 0, int maxLength = int.MaxValue)
    {
        if (!TryGet(name, out var value))
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw new ToolArgumentException($"'{name}' must be a string.");
        var text = value.GetString()!;
        if (text.Length < minLength)
            throw new ToolArgumentException(minLength == 1 ? $"'{name}' must not be empty." : $"'{name}' must be at least {minLength} characters.");
        if (text.Length > maxLength)
            throw new ToolArgumentException($"'{name}' must be at most {maxLength} characters.");
        return text;
    }

    public int Integer(string name, int defaultValue, int min, int max)
    {
        if (!TryGet(name, out var value))
            return defaultValue;
        long number;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
            number = n;
        else if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            number = parsed;
        else
            throw new ToolArgumentException($"'{name}' must be an integer.");
        if (number < min || number > max)
            throw new ToolArgumentException($"'{name}' must be between {min} and {max}.");
        return (int)number;
    }

    public bool Boolean(string name, bool defaultValue)
    {
        if (!TryGet(name, out var value))
            return defaultValue;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(value.GetString(), out var b) => b,
            _ => throw new ToolArgumentException($"'{name}' must be true or false."),
        };
    }

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), returned in its canonical spelling.</summary>
    public string? Choice(string name, string[] allowed, string? defaultValue)
    {
        var text = OptionalString(name);
        if (text is null)
            return defaultValue;
        foreach (var option in allowed)
            if (string.Equals(option, text.Trim(), StringComparison.OrdinalIgnoreCase))
                return option;
        throw new ToolArgumentException($"'{name}' must be one of: {string.Join(", ", allowed)}.");
    }
}
