using System.Collections.Concurrent;
using IbmiMcp.Auth;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Mcp;

/// <summary>
/// The one place tool authorization is decided (docs/authorization.md): what <c>tools/list</c> shows a caller, whether a
/// <c>tools/call</c> may run, and which toolsets the <c>toolsets://</c> resources show. Every path asks here — the SDK
/// handlers, the stateless fast path, the HTTP endpoint's 403, stdio. Filtered lists are cached per caller profile and
/// rebuilt when the tool list changes (a YAML reload re-filters every caller on their next request).
/// </summary>
internal sealed class ToolAccess
{
    /// <summary>The JSON-RPC code of a refused call (the reference server's Forbidden).</summary>
    public const int ForbiddenCode = -32005;
    private const int MaxCachedProfiles = 4096;

    private readonly IToolSource _tools;
    private readonly ConcurrentDictionary<string, ToolView> _views = new(StringComparer.Ordinal);
    private ToolView? _open;
    private IReadOnlyList<Tool>? _viewsSource;

    public ToolAccess(IToolSource tools) => _tools = tools;

    public ToolAccessPolicy Policy => _tools.Access;

    /// <summary>The tools <paramref name="caller"/> may see and call, with its tools/list result ready to send.</summary>
    public ToolView ViewFor(Caller caller)
    {
        var tools = _tools.ListTools();
        var policy = _tools.Access;
        if (policy.IsOpen)
        {
            var open = Volatile.Read(ref _open);
            if (open is not null && ReferenceEquals(open.Source, tools)) return open;
            open = new ToolView(tools, tools);
            Volatile.Write(ref _open, open);
            return open;
        }
        if (!ReferenceEquals(Volatile.Read(ref _viewsSource), tools))
        {
            _views.Clear();
            Volatile.Write(ref _viewsSource, tools);
        }
        var key = caller.Profile.CacheKey;
        if (_views.TryGetValue(key, out var view) && ReferenceEquals(view.Source, tools)) return view;
        var visible = new List<Tool>(tools.Count);
        foreach (var tool in tools)
            if (policy.Refusal(tool.Name, caller.Profile) is null) visible.Add(tool);
        view = new ToolView(tools, visible);
        if (_views.Count >= MaxCachedProfiles) _views.Clear();
        _views[key] = view;
        return view;
    }

    /// <summary>Null when the caller may call the tool; else the rule that refuses it.</summary>
    public AccessRule? Refusal(string tool, Caller caller) => _tools.Access.Refusal(tool, caller.Profile);

    /// <summary>Null when the caller may see and get the prompt; else its rule (prompts carry only their own).</summary>
    public static AccessRule? Refusal(Prompts.PromptDefinition prompt, Caller caller)
        => prompt.Authorization is { } rule && !rule.Admits(caller.Profile) ? rule : null;

    public IReadOnlyList<Prompts.PromptDefinition> AllPrompts => _tools.Prompts;

    /// <summary>The prompts <paramref name="caller"/> may see, in definition order.</summary>
    public IReadOnlyList<Prompts.PromptDefinition> VisiblePrompts(Caller caller)
    {
        var all = _tools.Prompts;
        List<Prompts.PromptDefinition>? visible = null;
        for (var i = 0; i < all.Count; i++)
        {
            if (Refusal(all[i], caller) is null)
            {
                visible?.Add(all[i]);
                continue;
            }
            visible ??= [.. all.Take(i)];
        }
        return visible ?? all;
    }

    /// <summary>The message a refused caller gets: names the rule it fails (the groups, authorities or scopes needed).</summary>
    public static string Message(string tool, AccessRule rule, Caller caller) => Message("tool", tool, rule, caller);

    public static string Message(string kind, string name, AccessRule rule, Caller caller)
    {
        var profile = caller.Profile;
        var who = profile.Names.Count > 0 ? profile.Names[0] : caller.Identity;   // the server account's user in none/stdio
        // IBM i callers (signed-on users, and the server account of none/stdio) are described by their profile.
        var have = caller.Kind is CallerKind.IbmiToken or CallerKind.Anonymous or CallerKind.Stdio
            ? (profile.Complete
                ? $"{who} is in {(profile.Groups.Count == 0 ? "no group" : "groups " + string.Join(", ", profile.Groups))}"
                  + (profile.SpecialAuthorities.Count == 0 ? "" : " with " + string.Join(" ", profile.SpecialAuthorities))
                : $"the IBM i profile of {who} could not be read at sign-on")
            : $"the token grants {(profile.Scopes.Count == 0 ? "no scope" : "scopes " + string.Join(" ", profile.Scopes))}";
        // Name where the rule comes from only when it is not the item's own: "tool 't' requires … (tool 't')" says it twice.
        var origin = rule.Origin == $"{kind} '{name}'" ? "" : $" (rule of {rule.Origin})";
        return $"Forbidden: {kind} '{name}' requires {rule.Describe()}{origin}; {have}.";
    }

    /// <summary>The toolsets a caller may see, each listing only the tools it may call; empty toolsets are left out.</summary>
    public IReadOnlyList<McpToolset> VisibleToolsets(Caller caller)
    {
        var all = _tools.Toolsets;
        var policy = _tools.Access;
        if (policy.IsOpen) return all;
        var visible = new List<McpToolset>(all.Count);
        foreach (var set in all)
        {
            var tools = set.Tools.Where(t => policy.Refusal(t, caller.Profile) is null).ToList();
            if (tools.Count > 0) visible.Add(set with { Tools = tools });
        }
        return visible;
    }
}

/// <summary>One caller profile's view of one tool-list version: the visible tools and the tools/list result.</summary>
internal sealed class ToolView(IReadOnlyList<Tool> source, IReadOnlyList<Tool> visible)
{
    public IReadOnlyList<Tool> Source { get; } = source;
    public IReadOnlyList<Tool> Visible { get; } = visible;
    public ListToolsResult Result { get; } = new() { Tools = visible as IList<Tool> ?? [.. visible] };
    /// <summary>The fast path's serialized SSE prefix for this view, built on first use.</summary>
    public byte[]? SsePrefix { get; set; }
}
