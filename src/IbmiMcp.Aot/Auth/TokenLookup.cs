namespace IbmiMcp.Auth;

/// <summary>Outcome of presenting a token.</summary>
internal enum TokenLookup
{
    Valid,
    /// <summary>Not 43 base64url characters (a 32-byte token).</summary>
    Malformed,
    NotFound,
    /// <summary>Found but past its expiry; it has been removed and its pool is being closed.</summary>
    Expired,
}
