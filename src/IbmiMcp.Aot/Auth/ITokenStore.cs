namespace IbmiMcp.Auth;

/// <summary>
/// Issued tokens → sessions. In-memory today (<see cref="TokenStore"/>); kept small so a shared store can replace it
/// when several replicas serve one deployment (ARCHITECTURE.md "Later").
/// </summary>
internal interface ITokenStore : IAsyncDisposable
{
    /// <summary>Live sessions plus slots reserved by sign-ons in progress.</summary>
    int Count { get; }

    /// <summary>
    /// Takes one of IBMI_AUTH_MAX_CONCURRENT_SESSIONS slots before IBM i is contacted, atomically; false when all are
    /// taken. Every true must be followed by exactly one <see cref="Issue"/> or <see cref="Unreserve"/>.
    /// </summary>
    bool TryReserve();

    void Unreserve();

    /// <summary>Stores the session under a new random token (consuming a reservation) and returns the token.</summary>
    string Issue(AuthSession session);

    /// <summary>Looks a token up; an expired session is removed and its pool closed in the background.</summary>
    TokenLookup TryGet(ReadOnlySpan<char> token, out AuthSession? session);

    /// <summary>Removes the token's session and closes its pool before returning; false when unknown or expired.</summary>
    ValueTask<bool> RevokeAsync(ReadOnlySpan<char> token);

    /// <summary>Removes every expired session and closes its pool; returns how many.</summary>
    ValueTask<int> RemoveExpiredAsync();

    /// <summary>Time until the earliest live session expires (for Retry-After), null when there is none.</summary>
    TimeSpan? TimeUntilNextExpiry();
}
