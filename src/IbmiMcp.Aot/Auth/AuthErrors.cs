namespace IbmiMcp.Auth;

/// <summary>
/// Every refusal of the auth endpoints, in one place. Texts marked (ref) are the reference server's, byte for byte
/// (spec §1.3, §2.2); the others are this server's deviations, listed in docs/auth.md.
/// </summary>
internal static class AuthErrors
{
    // JSON-RPC codes the reference uses (its types-global/errors.ts).
    public const int InvalidRequest = -32600;
    public const int Unauthorized = -32006;
    public const int Forbidden = -32005;
    public const int RateLimited = -32003;
    public const int Timeout = -32004;
    public const int ServiceUnavailable = -32000;
    public const int InitializationFailed = -32009;
    public const int InternalError = -32603;

    // (ref) rows, in the reference's validation order.
    public static readonly AuthRejection HttpsRequired = new(400, InvalidRequest, "HTTPS/TLS is required for authentication endpoints", JsonRpcEnvelope: true);
    public static readonly AuthRejection InvalidJson = new(400, InvalidRequest, "Invalid JSON in request body");
    public static readonly AuthRejection NotAnObject = new(400, InvalidRequest, "Encrypted payload must be a JSON object");
    public static AuthRejection MissingField(string field) => new(400, InvalidRequest, "Encrypted payload is missing required field: " + field);
    public static readonly AuthRejection UnsupportedKey = new(400, InvalidRequest, "Unsupported key identifier");
    public static readonly AuthRejection SessionKey = new(400, InvalidRequest, "Unable to decrypt session key");
    public static readonly AuthRejection Payload = new(400, InvalidRequest, "Unable to decrypt authentication payload");
    public static readonly AuthRejection UsernameRequired = new(400, InvalidRequest, "Username is required");
    public static readonly AuthRejection PasswordRequired = new(400, InvalidRequest, "Password is required");
    public static readonly AuthRejection RequestNotObject = new(400, InvalidRequest, "Request body must be a JSON object");
    public static readonly AuthRejection HostRequired = new(400, InvalidRequest, "Host is required and must be a non-empty string");
    public static readonly AuthRejection Duration = new(400, InvalidRequest, "Duration must be a positive number not exceeding 86400 seconds (24 hours)");
    public static readonly AuthRejection PoolStart = new(400, InvalidRequest, "poolstart must be a number between 1 and 50");
    public static readonly AuthRejection PoolMax = new(400, InvalidRequest, "poolmax must be a number between 1 and 100");
    public static readonly AuthRejection PoolOrder = new(400, InvalidRequest, "poolstart cannot be greater than poolmax");
    public static readonly AuthRejection Internal = new(500, InternalError, "Internal server error");

    // Deviations: the reference accepts any IV/tag length (a truncated tag weakens GCM).
    public static readonly AuthRejection IvLength = new(400, InvalidRequest, "Unable to decrypt authentication payload: iv must be 12 bytes");
    public static readonly AuthRejection TagLength = new(400, InvalidRequest, "Unable to decrypt authentication payload: authTag must be 16 bytes");

    // Deviations: request hygiene the reference lacks.
    public static readonly AuthRejection UnsupportedMediaType = new(415, InvalidRequest, "Unsupported Media Type: Content-Type must be 'application/json'.");
    public static AuthRejection BodyTooLarge(int limit) => new(413, InvalidRequest, "Request body too large: the limit is " + limit + " bytes");
    public static readonly AuthRejection IssuedAt = new(400, InvalidRequest, "Unable to decrypt authentication payload: iat must be a positive number of seconds since 1970-01-01");

    // Deviations: envelope replay protection (the reference mints a new token for every re-sent body).
    public static readonly AuthRejection Replayed = new(409, InvalidRequest, "This sign-on envelope was already used: encrypt the credentials again for every sign-on (replay refused)");
    public static AuthRejection TooOld(int windowSeconds) => new(400, InvalidRequest,
        "The sign-on envelope is too old or dated in the future (iat outside the " + windowSeconds + "-second IBMI_AUTH_REPLAY_WINDOW_SECONDS window): encrypt the credentials again, and check this machine's clock");
    public static readonly AuthRejection IssuedAtRequired = new(400, InvalidRequest,
        "The sign-on envelope has no iat: this server requires it (IBMI_AUTH_REQUIRE_ISSUED_AT=true); use ibmi-mcp token or add iat (Unix seconds) to the encrypted payload");
    public static AuthRejection ReplayWindowFull(int retryAfter) => new(503, ServiceUnavailable,
        "Too many sign-ons in the replay window; please try again later", retryAfter);
    public static AuthRejection StoreUnavailable(int retryAfter) => new(503, ServiceUnavailable,
        "The session store (Redis) is unavailable; sign-on is not possible until it is back. Please try again later", retryAfter);

    public static readonly AuthRejection HostNotAllowed = new(403, Forbidden, "Host is not allowed: this server only signs on to the IBM i hosts in IBMI_AUTH_ALLOWED_HOSTS");

    // Deviations: sign-on outcomes get their own statuses instead of a blanket 500.
    public static AuthRejection MaxSessions(int retryAfter) => new(503, ServiceUnavailable, "Maximum concurrent sessions reached. Please try again later", retryAfter);
    public static AuthRejection TooManyFailures(int retryAfter) => new(429, RateLimited, "Too many failed sign-on attempts. Please try again in " + retryAfter + " seconds.", retryAfter);
    public static readonly AuthRejection SignOnRejected = new(401, Unauthorized, "IBM i rejected the user profile or password");
    public static AuthRejection Unreachable(string host) => new(502, InitializationFailed, "Cannot reach the IBM i host '" + host + "'");
    public static AuthRejection Tls(string host) => new(502, InitializationFailed, "TLS handshake with the IBM i host '" + host + "' failed (certificate not trusted or TLS error)");
    public static AuthRejection SignOnTimeout(string host) => new(504, Timeout, "Signing on to the IBM i host '" + host + "' timed out");
    public static AuthRejection SignOnFailed(string host) => new(502, InitializationFailed, "Signing on to the IBM i host '" + host + "' failed");
    /// <summary>The Mapepire server or IBM i failed for its own reasons (out of jobs or handles): retry, the password was not judged.</summary>
    public static AuthRejection ServerError(string host) => new(503, ServiceUnavailable,
        "The IBM i host '" + host + "' could not open a connection (the Mapepire server reported an internal error); the password was not checked. Please try again later", ServerErrorRetryAfterSeconds);
    public const int ServerErrorRetryAfterSeconds = 5;

    // Bearer (DELETE /api/v1/auth and /mcp), spec §2.2 texts.
    public const string BearerMissingHeader = "Missing or invalid Authorization header. Bearer scheme required.";
    public const string BearerEmpty = "Authentication token is missing.";
    public const string BearerNotFound = "Token not found";
    public const string BearerExpired = "Token expired";
    public const string BearerMalformed = "Invalid token format";
    public const string BearerStoreUnavailable = "The session store (Redis) is unavailable, so the token cannot be checked. Please try again shortly";
}
