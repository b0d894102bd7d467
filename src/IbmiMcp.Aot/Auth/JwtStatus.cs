namespace IbmiMcp.Auth;

/// <summary>Why <see cref="JwtValidator"/> accepted or refused a token (internal detail, never sent to clients).</summary>
internal enum JwtStatus
{
    Valid,
    Malformed,
    AlgorithmNotAllowed,
    /// <summary>The token names a <c>kid</c> none of the keys has: perhaps a key rotation, worth a JWKS refetch.</summary>
    KeyNotFound,
    BadSignature,
    Expired,
    NotYetValid,
    MissingExpiration,
    BadIssuer,
    BadAudience,
}
