namespace IbmiMcp.Auth;

/// <summary>
/// What tool authorization rules see of a caller (docs/authorization.md). In <c>ibmi</c> mode: the IBM i user, their
/// group profile and supplemental groups, and their special authorities, read at sign-on as that user. In
/// <c>jwt</c>/<c>oauth</c>: the token's client id and subject, its scopes, and its <c>groups</c> (or <c>roles</c>) claim.
/// Group and special-authority names are upper-case; scopes keep their case.
/// </summary>
internal sealed class CallerProfile
{
    /// <summary>MCP_AUTH_MODE=none and stdio: nothing is known, so only rule-free tools are callable.</summary>
    public static readonly CallerProfile Anonymous = new() { Names = ["anonymous"] };

    /// <summary>Who the caller is, for a rule's <c>users</c>: the IBM i user, or a token's client id and subject.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];
    public IReadOnlyList<string> Scopes { get; init; } = [];
    public IReadOnlyList<string> Groups { get; init; } = [];
    public IReadOnlyList<string> SpecialAuthorities { get; init; } = [];
    /// <summary>False when the IBM i profile could not be read at sign-on: group and authority rules then refuse.</summary>
    public bool Complete { get; init; } = true;

    /// <summary>A stable key for caches of what this profile may see (two callers with equal keys see the same tools).</summary>
    public string CacheKey => _cacheKey ??= string.Join('\u001f', [string.Join(',', Names), string.Join(',', Scopes), string.Join(',', Groups),
        string.Join(',', SpecialAuthorities), Complete ? "1" : "0"]);
    private string? _cacheKey;

    public static CallerProfile ForIbmiUser(string user, string? group, IEnumerable<string> supplementalGroups, IEnumerable<string> specialAuthorities, bool complete)
    {
        var groups = new List<string>();
        if (!string.IsNullOrEmpty(group) && group != "*NONE") groups.Add(group.ToUpperInvariant());
        foreach (var g in supplementalGroups)
            if (g.Length > 0 && g != "*NONE" && !groups.Contains(g.ToUpperInvariant())) groups.Add(g.ToUpperInvariant());
        var authorities = specialAuthorities.Where(a => a.Length > 0 && a != "*NONE").Select(a => a.ToUpperInvariant()).Distinct().ToList();
        return new CallerProfile
        {
            Names = [user.ToUpperInvariant()],
            Scopes = [IbmiScope],
            Groups = groups,
            SpecialAuthorities = authorities,
            Complete = complete,
        };
    }

    public static CallerProfile ForToken(string clientId, string? subject, IReadOnlyList<string> scopes, IReadOnlyList<string> groups) => new()
    {
        Names = subject is null || subject == clientId ? [clientId] : [clientId, subject],
        Scopes = scopes,
        Groups = groups.Select(g => g.ToUpperInvariant()).Distinct().ToList(),
    };

    /// <summary>The one scope an IBM i token carries (the reference's <c>ibmi:access</c>, spec §2.2).</summary>
    public const string IbmiScope = "ibmi:access";
}
