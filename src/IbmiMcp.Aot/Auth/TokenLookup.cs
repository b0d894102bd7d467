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
    /// <summary>This replica cannot answer alone: the token is not cached here, or its cache entry is older than the
    /// staleness bound. Ask the shared store (<see cref="Sessions.ITokenStore.ResolveAsync"/>).</summary>
    Pending,
    /// <summary>The shared session store could not be reached and the cached entry (if any) is past the staleness bound.</summary>
    StoreUnavailable,
}
