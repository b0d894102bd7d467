using IbmiMcp.Mapepire;

namespace IbmiMcp.Auth;

/// <summary>
/// Who is asking and where their SQL runs. Resolved once at the edge (router → authenticator) and passed down
/// explicitly to MCP handlers and tools. No ambient state decides whose credentials a query uses.
/// </summary>
internal sealed class Caller
{
    public Caller(string identity, CallerKind kind, ISqlRunner? sql, string? clientAddress, string? sessionId = null, CallerProfile? profile = null,
        ServerAccountProfile? account = null)
    {
        Identity = identity; Kind = kind; Sql = sql; ClientAddress = clientAddress; SessionId = sessionId;
        _profile = profile ?? (kind is CallerKind.Anonymous or CallerKind.Stdio ? CallerProfile.Anonymous : new CallerProfile { Names = [identity] });
        _account = account;
    }

    private readonly CallerProfile _profile;
    private readonly ServerAccountProfile? _account;

    /// <summary>
    /// What authorization rules see: groups, special authorities, scopes (see <see cref="CallerProfile"/>). Callers that
    /// act as the server account (none mode, stdio) see that account's profile as it is read.
    /// </summary>
    public CallerProfile Profile => _account?.Current ?? _profile;

    /// <summary>The source of <see cref="Profile"/> for server-account callers (a scope rebuilding the caller keeps it).</summary>
    internal ServerAccountProfile? Account => _account;

    /// <summary>IBM i user (ibmi mode), JWT client id (jwt/oauth), or "anonymous" (none).</summary>
    public string Identity { get; }
    public CallerKind Kind { get; }
    /// <summary>The pool statements run on: the token's pool (ibmi) or the server pool; null when none is configured.</summary>
    public ISqlRunner? Sql { get; }
    public string? ClientAddress { get; }
    /// <summary>Non-secret session handle for audit lines (a short hash of the token), never the token.</summary>
    public string? SessionId { get; }
}

internal enum CallerKind { Anonymous, IbmiToken, Jwt, OAuth, Stdio }
