using IbmiMcp.Auth;

namespace IbmiMcp.Tools;

/// <summary>
/// Who may use a tool, a toolset's tools, a built-in tool or a prompt: the YAML <c>authorization:</c> block
/// (docs/authorization.md). A caller is admitted when it satisfies at least one clause that is listed:
/// <c>users</c> (is one of them), <c>groups</c> (its group profile, a supplemental group or a token's group is one of
/// them), <c>specialAuthorities</c> (holds one of them) or <c>scopes</c> (its token carries all of them). Rules only
/// ever narrow: a tool is usable when every rule that applies to it admits the caller.
/// </summary>
internal sealed class AccessRule
{
    /// <summary>The IBM i special authorities (CHGUSRPRF SPCAUT), the only values <c>specialAuthorities</c> accepts.</summary>
    public static readonly string[] KnownSpecialAuthorities = ["*ALLOBJ", "*AUDIT", "*IOSYSCFG", "*JOBCTL", "*SAVSYS", "*SECADM", "*SERVICE", "*SPLCTL"];

    public IReadOnlyList<string> Users { get; init; } = [];
    public IReadOnlyList<string> Groups { get; init; } = [];
    public IReadOnlyList<string> SpecialAuthorities { get; init; } = [];
    public IReadOnlyList<string> Scopes { get; init; } = [];
    /// <summary>Where the rule was written (toolset or tool), for messages and `tools validate`.</summary>
    public required string Origin { get; init; }
    public SourceLocation Location { get; init; }

    public bool IsEmpty => Users.Count == 0 && Groups.Count == 0 && SpecialAuthorities.Count == 0 && Scopes.Count == 0;

    public bool Admits(CallerProfile caller)
    {
        foreach (var name in caller.Names)
            if (Contains(Users, name, StringComparison.OrdinalIgnoreCase)) return true;
        if (caller.Complete)
        {
            foreach (var group in caller.Groups)
                if (Contains(Groups, group, StringComparison.OrdinalIgnoreCase)) return true;
            foreach (var authority in caller.SpecialAuthorities)
                if (Contains(SpecialAuthorities, authority, StringComparison.OrdinalIgnoreCase)) return true;
        }
        if (Scopes.Count > 0)
        {
            foreach (var scope in Scopes)
                if (!Contains(caller.Scopes, scope, StringComparison.Ordinal)) return false;
            return true;
        }
        return false;
    }

    /// <summary>"group SECGRP or QSECOFR, or special authority *SECADM, or scope ibmi:security" — for error texts.</summary>
    public string Describe()
    {
        var parts = new List<string>(4);
        if (Users.Count > 0) parts.Add((Users.Count == 1 ? "user " : "users ") + string.Join(" or ", Users));
        if (Groups.Count > 0) parts.Add((Groups.Count == 1 ? "group " : "groups ") + string.Join(" or ", Groups));
        if (SpecialAuthorities.Count > 0) parts.Add("special authority " + string.Join(" or ", SpecialAuthorities));
        if (Scopes.Count > 0) parts.Add((Scopes.Count == 1 ? "scope " : "scopes ") + string.Join(" and ", Scopes));
        return string.Join(", or ", parts);
    }

    private static bool Contains(IReadOnlyList<string> list, string value, StringComparison comparison)
    {
        foreach (var item in list)
            if (string.Equals(item, value, comparison)) return true;
        return false;
    }
}
