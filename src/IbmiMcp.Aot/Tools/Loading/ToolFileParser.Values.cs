using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Tools;

/// <summary>Reading typed values from YAML nodes, and recording errors and warnings with their file, line and column.</summary>
internal sealed partial class ToolFileParser
{
    // ── helpers ───────────────────────────────────────────────────────────────
    private static YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
            if (k is YamlScalarNode s && s.Value == key) return v;
        return null;
    }

    private static string KeyOf(YamlNode key) => key is YamlScalarNode s ? s.Value ?? "" : "";

    private static bool IsNull(YamlNode node) => node is YamlScalarNode s && YamlValues.KindOf(s, out _) == JsonValueKind.Null;

    private void WarnUnknownKeys(YamlMappingNode map, string[] known, string where)
    {
        foreach (var (k, _) in map.Children)
        {
            var key = KeyOf(k);
            if (Array.IndexOf(known, key) < 0)
                Warning(k, "unknown-key", $"Unknown key '{key}' in {where} ignored (expected one of: {string.Join(", ", known)})");
        }
    }

    private string? RequiredString(YamlMappingNode map, string key, string what)
    {
        var node = Get(map, key);
        if (node is null || IsNull(node))
        {
            Error(node ?? map, "required", $"{what} is missing required field '{key}'");
            return null;
        }
        return Text(node, $"{what} {key}");
    }

    private string? OptionalString(YamlMappingNode map, string key, string what)
    {
        var node = Get(map, key);
        return node is null || IsNull(node) ? null : Text(node, $"{what} {key}");
    }

    /// <summary>Any scalar is accepted as text (a description of `42` is still a description).</summary>
    private string? Text(YamlNode node, string what)
    {
        if (node is YamlScalarNode s) return IsNull(s) ? null : s.Value ?? "";
        Error(node, "type", $"{what} must be a string");
        return null;
    }

    private bool? Bool(YamlNode node, string what)
    {
        if (node is YamlScalarNode s)
            switch (YamlValues.KindOf(s, out _))
            {
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.Null: return null;
            }
        Error(node, "type", $"{what} must be true or false");
        return null;
    }

    private double? Number(YamlNode node, string what)
    {
        if (node is YamlScalarNode s)
        {
            var kind = YamlValues.KindOf(s, out double n);
            if (kind == JsonValueKind.Number) return n;
            if (kind == JsonValueKind.Null) return null;
        }
        Error(node, "type", $"{what} must be a number");
        return null;
    }

    private int? Integer(YamlNode node, string what, int min, int max)
    {
        var n = Number(node, what);
        if (n is null) return null;
        if (n != Math.Floor(n.Value)) { Error(node, "type", $"{what} must be an integer"); return null; }
        if (n < min || n > max)
        {
            Error(node, "range", max == int.MaxValue ? $"{what} must be at least {min}" : $"{what} must be between {min} and {max}");
            return null;
        }
        return (int)n.Value;
    }

    private string? OneOf(YamlNode node, string what, string[] allowed)
    {
        var text = Text(node, what);
        if (text is null) return null;
        if (Array.IndexOf(allowed, text) >= 0) return text;
        Error(node, "enum", $"{what} must be one of: {string.Join(", ", allowed)} (got '{text}')");
        return null;
    }

    private SourceLocation At(YamlNode node) => new(_file, (int)node.Start.Line, (int)node.Start.Column);

    private void Error(YamlNode node, string rule, string message) => _errors.Add(new ToolLoadError(At(node), rule, message));
    private void Warning(YamlNode node, string rule, string message) => _warnings.Add(new ToolLoadError(At(node), rule, message));
}
