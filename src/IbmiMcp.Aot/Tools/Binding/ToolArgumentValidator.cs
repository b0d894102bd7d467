using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>
/// Checks call arguments against a tool's parameters and coerces them as the reference does (spec §5.4):
/// numbers and booleans become text for string parameters, "12" becomes 12, "true|1|yes|on" / "false|0|no|off"
/// become booleans, array items follow itemType (default string); enum is checked after coercion. A missing
/// required parameter without default is an error, a missing optional one binds "" (reference behaviour).
/// Unlike the reference, a fractional number for an integer parameter is refused rather than floored.
/// Every problem is reported, each naming the parameter and the rule.
/// </summary>
internal static class ToolArgumentValidator
{
    public const string FailurePrefix = "Parameter validation failed: ";

    /// <summary>Fills <paramref name="values"/> (one per parameter); returns false with <paramref name="errors"/> filled.</summary>
    public static bool TryValidate(SqlTool tool, IReadOnlyDictionary<string, JsonElement>? arguments, Span<ArgumentValue> values, ref List<string>? errors)
    {
        var parameters = tool.Parameters;
        int matched = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (arguments is not null && arguments.TryGetValue(p.Name, out var arg))
            {
                matched++;
                if (arg.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                {
                    values[i] = Coerce(p, arg, ref errors);
                    continue;
                }
            }
            if (p.HasDefault) values[i] = p.DefaultValue;
            else if (p.Required == false) values[i] = ArgumentValue.Missing(p.Type);
            else (errors ??= []).Add($"'{p.Name}' is required but not provided");
        }
        if (arguments is not null && matched < arguments.Count)
        {
            foreach (var key in arguments.Keys)
                if (tool.IndexOfParameter(key) < 0)
                    (errors ??= []).Add(tool.Parameters.Count == 0
                        ? $"'{key}' is not a parameter (this tool takes none)"
                        : $"'{key}' is not a parameter (parameters: {string.Join(", ", tool.Parameters.Select(t => t.Name))})");
        }
        return errors is null;
    }

    public static ArgumentValue Coerce(ToolParameter p, JsonElement arg, ref List<string>? errors)
    {
        if (p.Type == ToolParameterType.Array) return CoerceArray(p, arg, ref errors);
        var value = CoerceScalar(p.Name, p.Type, arg, ref errors, out bool ok);
        if (ok) CheckConstraints(p.Name, p, value, ref errors);
        return value;
    }

    private static ArgumentValue CoerceArray(ToolParameter p, JsonElement arg, ref List<string>? errors)
    {
        // Models often send the array as a JSON string; accept it when it parses as one.
        if (arg.ValueKind == JsonValueKind.String && arg.GetString() is { } text && text.TrimStart().StartsWith('['))
        {
            try { arg = JsonElement.Parse(text); }
            catch (JsonException) { }
        }
        if (arg.ValueKind != JsonValueKind.Array)
        {
            (errors ??= []).Add($"'{p.Name}' must be an array");
            return ArgumentValue.Array([]);
        }
        int count = arg.GetArrayLength();
        if (p.MinLength is int min && count < min) (errors ??= []).Add($"'{p.Name}' must contain at least {min} item{(min == 1 ? "" : "s")}");
        if (p.MaxLength is int max && count > max) (errors ??= []).Add($"'{p.Name}' must contain at most {max} item{(max == 1 ? "" : "s")}");
        var itemType = p.ItemType ?? ToolParameterType.String;
        var items = new SqlValue[count];
        int i = 0;
        foreach (var element in arg.EnumerateArray())
        {
            string label = $"{p.Name}[{i}]";
            var item = CoerceScalar(label, itemType, element, ref errors, out bool ok);
            if (ok && p.Enum is { } allowed && !InEnum(item, allowed))
                (errors ??= []).Add($"\'{label}\' must be one of: {FormatEnum(allowed)}");
            items[i++] = item.Scalar;
        }
        return ArgumentValue.Array(items);
    }

    private static ArgumentValue CoerceScalar(string name, ToolParameterType type, JsonElement arg, ref List<string>? errors, out bool ok)
    {
        ok = true;
        switch (type)
        {
            case ToolParameterType.String:
                switch (arg.ValueKind)
                {
                    case JsonValueKind.String: return ArgumentValue.String(arg.GetString()!);
                    case JsonValueKind.Number: return ArgumentValue.String(arg.GetRawText());
                    case JsonValueKind.True: return ArgumentValue.String("true");
                    case JsonValueKind.False: return ArgumentValue.String("false");
                }
                break;
            case ToolParameterType.Integer:
                if (arg.ValueKind == JsonValueKind.Number)
                {
                    if (arg.TryGetInt64(out long l)) return ArgumentValue.Integer(l);
                    if (arg.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < 9.2e18) return ArgumentValue.Integer((long)d);
                    ok = false;
                    (errors ??= []).Add($"\'{name}\' must be an integer, got {arg.GetRawText()}");
                    return default;
                }
                if (arg.ValueKind == JsonValueKind.String
                    && long.TryParse(arg.GetString()!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed))
                    return ArgumentValue.Integer(parsed);
                break;
            case ToolParameterType.Float:
                if (arg.ValueKind == JsonValueKind.Number && arg.TryGetDouble(out double f)) return ArgumentValue.Float(f);
                if (arg.ValueKind == JsonValueKind.String
                    && double.TryParse(arg.GetString()!.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double pf) && double.IsFinite(pf))
                    return ArgumentValue.Float(pf);
                break;
            case ToolParameterType.Boolean:
                switch (arg.ValueKind)
                {
                    case JsonValueKind.True: return ArgumentValue.Bool(true);
                    case JsonValueKind.False: return ArgumentValue.Bool(false);
                    case JsonValueKind.Number when arg.TryGetInt64(out long b) && b is 0 or 1: return ArgumentValue.Bool(b == 1);
                    case JsonValueKind.String:
                        var s = arg.GetString()!.Trim();
                        if (s.Equals("true", StringComparison.OrdinalIgnoreCase) || s == "1" || s.Equals("yes", StringComparison.OrdinalIgnoreCase) || s.Equals("on", StringComparison.OrdinalIgnoreCase))
                            return ArgumentValue.Bool(true);
                        if (s.Equals("false", StringComparison.OrdinalIgnoreCase) || s == "0" || s.Equals("no", StringComparison.OrdinalIgnoreCase) || s.Equals("off", StringComparison.OrdinalIgnoreCase))
                            return ArgumentValue.Bool(false);
                        break;
                }
                break;
        }
        ok = false;
        (errors ??= []).Add($"\'{name}\' must be {Article(type)}, got {Describe(arg)}");
        return default;
    }

    private static void CheckConstraints(string name, ToolParameter p, ArgumentValue value, ref List<string>? errors)
    {
        switch (p.Type)
        {
            case ToolParameterType.String:
            {
                var s = value.Scalar.AsString!;
                if (p.MinLength is int min && s.Length < min) (errors ??= []).Add($"\'{name}\' must be at least {min} character{(min == 1 ? "" : "s")} long");
                if (p.MaxLength is int max && s.Length > max) (errors ??= []).Add($"\'{name}\' must be at most {max} character{(max == 1 ? "" : "s")} long");
                if (p.PatternRegex is { } regex && !Matches(regex, s)) (errors ??= []).Add($"\'{name}\' must match pattern {p.Pattern}");
                break;
            }
            case ToolParameterType.Integer:
            case ToolParameterType.Float:
            {
                double d = p.Type == ToolParameterType.Integer ? value.Scalar.AsInteger : value.Scalar.AsNumber;
                if (p.Min is double min && d < min) (errors ??= []).Add($"\'{name}\' must be greater than or equal to {Num(min)}");
                if (p.Max is double max && d > max) (errors ??= []).Add($"\'{name}\' must be less than or equal to {Num(max)}");
                break;
            }
        }
        if (p.Type != ToolParameterType.Boolean && p.Enum is { } allowed && !InEnum(value, allowed))
            (errors ??= []).Add($"\'{name}\' must be one of: {FormatEnum(allowed)}");
    }

    private static bool Matches(Regex regex, string s)
    {
        try { return regex.IsMatch(s); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    private static bool InEnum(ArgumentValue value, IReadOnlyList<JsonElement> allowed)
    {
        foreach (var a in allowed)
        {
            switch (value.Scalar.Kind)
            {
                case SqlValue.ValueKind.String:
                    if (a.ValueKind == JsonValueKind.String ? a.ValueEquals(value.Scalar.AsString) : a.GetRawText() == value.Scalar.AsString) return true;
                    break;
                case SqlValue.ValueKind.Integer:
                    if (value.Type == ToolParameterType.Boolean) { if ((a.ValueKind == JsonValueKind.True) == value.Boolean) return true; break; }
                    if (a.ValueKind == JsonValueKind.Number && a.TryGetDouble(out double ai) && ai == value.Scalar.AsInteger) return true;
                    if (a.ValueKind == JsonValueKind.String && a.GetString() == value.Scalar.ToString()) return true;
                    break;
                case SqlValue.ValueKind.Number:
                    if (a.ValueKind == JsonValueKind.Number && a.TryGetDouble(out double an) && an == value.Scalar.AsNumber) return true;
                    break;
            }
        }
        return false;
    }

    /// <summary>`'A', 'B'` as the reference writes enum lists.</summary>
    public static string FormatEnum(IReadOnlyList<JsonElement> values) =>
        string.Join(", ", values.Select(v => v.ValueKind == JsonValueKind.String ? $"'{v.GetString()}'" : v.GetRawText()));

    private static string Article(ToolParameterType type) => type switch
    {
        ToolParameterType.String => "a string",
        ToolParameterType.Integer => "an integer",
        ToolParameterType.Float => "a number",
        ToolParameterType.Boolean => "a boolean",
        _ => "an array",
    };

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"string \"{Clip(e.GetString()!)}\"",
        JsonValueKind.Number => $"number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {e.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "...";
    private static string Num(double d) => d.ToString(CultureInfo.InvariantCulture);
}
