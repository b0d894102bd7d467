using System.Collections.Frozen;
using IbmiMcp.Auth;

namespace IbmiMcp.Tools;

/// <summary>
/// Which rules apply to each tool of one catalog version: the tool's own <c>authorization</c>, the rule of every toolset
/// that lists it (whether or not that toolset is selected — rules only narrow), and <c>builtin_tools</c> rules. A tool with
/// no rule is open to every authenticated caller, as before rules existed.
/// </summary>
internal sealed class ToolAccessPolicy
{
    public static readonly ToolAccessPolicy Open = new(new Dictionary<string, List<AccessRule>>());

    private readonly FrozenDictionary<string, AccessRule[]> _rules;

    public ToolAccessPolicy(Dictionary<string, List<AccessRule>> rules)
    {
        _rules = rules.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        var scopes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var list in _rules.Values)
            foreach (var rule in list)
                scopes.UnionWith(rule.Scopes);
        Scopes = [.. scopes];
    }

    /// <summary>Several sources' rules as one (rules for the same tool all apply).</summary>
    public static ToolAccessPolicy Combine(IEnumerable<ToolAccessPolicy> policies)
    {
        var open = policies.Where(p => !p.IsOpen).ToList();
        if (open.Count <= 1) return open.Count == 0 ? Open : open[0];
        var merged = new Dictionary<string, List<AccessRule>>(StringComparer.Ordinal);
        foreach (var policy in open)
            foreach (var (tool, rules) in policy._rules)
            {
                if (!merged.TryGetValue(tool, out var list)) merged[tool] = list = [];
                list.AddRange(rules);
            }
        return new ToolAccessPolicy(merged);
    }

    /// <summary>True when no tool has a rule: every caller sees everything (the fast path).</summary>
    public bool IsOpen => _rules.Count == 0;

    /// <summary>Every scope any rule names (OAuth protected resource metadata: <c>scopes_supported</c>).</summary>
    public IReadOnlyList<string> Scopes { get; }

    public IReadOnlyList<AccessRule> RulesFor(string tool) => _rules.TryGetValue(tool, out var rules) ? rules : [];

    /// <summary>Null when <paramref name="caller"/> may use <paramref name="tool"/>; otherwise the first rule that refuses.</summary>
    public AccessRule? Refusal(string tool, CallerProfile caller)
    {
        if (!_rules.TryGetValue(tool, out var rules)) return null;
        foreach (var rule in rules)
            if (!rule.Admits(caller)) return rule;
        return null;
    }
}
