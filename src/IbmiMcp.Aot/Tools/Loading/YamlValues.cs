using System.Buffers;
using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Tools;

/// <summary>
/// Reads YAML representation-model nodes the way the reference's YAML library types them (YAML 1.2 core
/// schema): plain `true`/`false`, numbers and `null`/`~`/empty are typed; quoted and block scalars are text.
/// Converts subtrees to JSON for metadata, defaults and enums.
/// </summary>
internal static class YamlValues
{
    public static JsonValueKind KindOf(YamlScalarNode node, out double number)
    {
        number = 0;
        if (node.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValueKind.String;
        var v = node.Value ?? "";
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL": return JsonValueKind.Null;
            case "true" or "True" or "TRUE": return JsonValueKind.True;
            case "false" or "False" or "FALSE": return JsonValueKind.False;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "-.inf" or ".nan" or ".NaN" or ".NAN": return JsonValueKind.String;
        }
        if (TryNumber(v, out number)) return JsonValueKind.Number;
        return JsonValueKind.String;
    }

    private static bool TryNumber(string v, out double number)
    {
        number = 0;
        var s = v.AsSpan();
        if (s.StartsWith("0x") && long.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex)) { number = hex; return true; }
        if (s.StartsWith("0o"))
        {
            long oct = 0;
            foreach (var c in s[2..]) { if (c is < '0' or > '7') return false; oct = oct * 8 + (c - '0'); }
            number = oct;
            return s.Length > 2;
        }
        // Decimal: [-+]? ( digits [. digits?] | . digits ) ([eE][-+]?digits)?
        int i = 0;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) i++;
        int digits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; }
        if (i < s.Length && s[i] == '.') { i++; while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits++; } }
        if (digits == 0) return false;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '-' || s[i] == '+')) i++;
            int exp = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; exp++; }
            if (exp == 0) return false;
        }
        if (i != s.Length) return false;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    public static JsonElement ToJson(YamlNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer)) Write(w, node);
        return JsonElement.Parse(buffer.WrittenSpan);
    }

    public static void Write(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                switch (KindOf(scalar, out double n))
                {
                    case JsonValueKind.Null: w.WriteNullValue(); break;
                    case JsonValueKind.True: w.WriteBooleanValue(true); break;
                    case JsonValueKind.False: w.WriteBooleanValue(false); break;
                    case JsonValueKind.Number:
                        if (n == Math.Floor(n) && Math.Abs(n) < 9e15) w.WriteNumberValue((long)n); else w.WriteNumberValue(n);
                        break;
                    default: w.WriteStringValue(scalar.Value); break;
                }
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Children) Write(w, item);
                w.WriteEndArray();
                break;
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (k, v) in map.Children)
                {
                    w.WritePropertyName(k is YamlScalarNode ks ? ks.Value ?? "" : k.ToString());
                    Write(w, v);
                }
                w.WriteEndObject();
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }
}
