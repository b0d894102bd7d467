using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Tools;

/// <summary>The <c>toolsets:</c> and <c>builtin_tools:</c> sections and the <c>authorization:</c> rules they (and tools and prompts) carry.</summary>
internal sealed partial class ToolFileParser
{
    // ── toolsets ──────────────────────────────────────────────────────────────
    private void ParseToolset(ToolFileContent content, string name, YamlNode keyNode, YamlNode node)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"Toolset '{name}' must be a mapping"); return; }
        WarnUnknownKeys(map, ToolsetKeys, $"toolset '{name}'");
        var toolset = new ToolsetDraft
        {
            Name = name, Location = At(keyNode),
            Title = OptionalString(map, "title", $"Toolset '{name}'"),
            Description = OptionalString(map, "description", $"Toolset '{name}'"),
        };
        var tools = Get(map, "tools");
        if (tools is not YamlSequenceNode seq || seq.Children.Count == 0)
            Error(tools ?? keyNode, "required", $"Toolset '{name}' must list at least one tool under 'tools'");
        else
            foreach (var item in seq.Children)
                if (Text(item, $"Toolset '{name}' tool") is { } t) toolset.Tools.Add((t, At(item)));
        if (Get(map, "metadata") is { } md && !IsNull(md))
        {
            if (md is YamlMappingNode) toolset.Metadata = YamlValues.ToJson(md);
            else Error(md, "type", $"Toolset '{name}' metadata must be a mapping");
        }
        if (Get(map, "authorization") is { } auth && ParseAuthorization(auth, $"toolset '{name}'") is { } rule) toolset.Rules.Add(rule);
        content.Toolsets.Add(toolset);
    }

    // ── builtin_tools ─────────────────────────────────────────────────────────
    private void ParseBuiltInTool(ToolFileContent content, string name, YamlNode keyNode, YamlNode node)
    {
        if (node is not YamlMappingNode map) { Error(node, "type", $"builtin_tools '{name}' must be a mapping"); return; }
        if (Array.IndexOf(BuiltIn.BuiltInTools.Names, name) < 0)
        {
            Error(keyNode, "unknown-builtin", $"builtin_tools '{name}' is not a built-in tool (one of: {string.Join(", ", BuiltIn.BuiltInTools.Names)})");
            return;
        }
        foreach (var (k, _) in map.Children)
            if (Array.IndexOf(BuiltInToolKeys, KeyOf(k)) < 0)
                Error(k, "unknown-key", $"Unknown key '{KeyOf(k)}' in builtin_tools '{name}' (expected: {string.Join(", ", BuiltInToolKeys)})");
        if (Get(map, "authorization") is { } auth && ParseAuthorization(auth, $"built-in tool '{name}'") is { } rule)
            content.BuiltInRules.Add((name, rule));
    }

    // ── authorization ─────────────────────────────────────────────────────────
    /// <summary>
    /// <c>authorization: { users, groups, specialAuthorities, scopes }</c>, each a list (or one string). Unlike other
    /// sections, an unknown key here is an error: a misspelled clause in a security rule must not pass quietly.
    /// </summary>
    private AccessRule? ParseAuthorization(YamlNode node, string owner)
    {
        string what = $"authorization of {owner}";
        if (node is not YamlMappingNode map) { Error(node, "type", $"The {what} must be a mapping of users, groups, specialAuthorities and scopes"); return null; }
        var users = new List<string>(); var groups = new List<string>(); var authorities = new List<string>(); var scopes = new List<string>();
        foreach (var (k, v) in map.Children)
        {
            var key = KeyOf(k);
            var target = key switch { "users" => users, "groups" => groups, "specialAuthorities" => authorities, "scopes" => scopes, _ => null };
            if (target is null)
            {
                Error(k, "unknown-key", $"Unknown key '{key}' in the {what} (expected: {string.Join(", ", AuthorizationKeys)})");
                continue;
            }
            foreach (var (itemNode, text) in Items(v, $"{what} {key}"))
            {
                var item = text.Trim();
                if (item.Length == 0 || item.Contains(' ')) { Error(itemNode, "value", $"{what} {key}: '{text}' is not a name"); continue; }
                switch (key)
                {
                    case "specialAuthorities":
                        var authority = (item.StartsWith('*') ? item : "*" + item).ToUpperInvariant();
                        if (Array.IndexOf(AccessRule.KnownSpecialAuthorities, authority) < 0)
                            Error(itemNode, "enum", $"{what} specialAuthorities: '{item}' is not an IBM i special authority (one of: {string.Join(", ", AccessRule.KnownSpecialAuthorities)})");
                        else target.Add(authority);
                        break;
                    case "scopes": target.Add(item); break;
                    default: target.Add(item.ToUpperInvariant()); break;
                }
            }
        }
        var rule = new AccessRule { Users = users, Groups = groups, SpecialAuthorities = authorities, Scopes = scopes, Origin = owner, Location = At(node) };
        if (rule.IsEmpty)
        {
            Error(node, "empty-rule", $"The {what} lists nobody: give at least one of {string.Join(", ", AuthorizationKeys)} (omit 'authorization' to leave it open)");
            return null;
        }
        return rule;
    }

    private IEnumerable<(YamlNode Node, string Text)> Items(YamlNode node, string what)
    {
        if (node is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children)
                if (Text(item, what) is { } t) yield return (item, t);
        }
        else if (node is YamlScalarNode && !IsNull(node) && Text(node, what) is { } one)
            yield return (node, one);
        else
            Error(node, "type", $"{what} must be a list of names");
    }
}
