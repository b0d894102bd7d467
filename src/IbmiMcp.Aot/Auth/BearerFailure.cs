namespace IbmiMcp.Auth;

/// <summary>Why a request carried no usable IBM i token (each has the reference's message, spec §2.2).</summary>
internal enum BearerFailure
{
    None,
    /// <summary>No Authorization header, or not the Bearer scheme.</summary>
    MissingHeader,
    EmptyToken,
    Malformed,
    NotFound,
    Expired,
    /// <summary>The shared session store is unreachable and this replica's cache cannot vouch for the token: 503.</summary>
    StoreUnavailable,
}
