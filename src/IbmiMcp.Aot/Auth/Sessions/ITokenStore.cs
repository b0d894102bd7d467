namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// Issued tokens → sessions, behind one seam with two implementations: <see cref="MemoryTokenStore"/> (one process, the
/// default) and <see cref="RedisTokenStore"/> (sealed records in Redis/Valkey, so any replica serves any token and a
/// restart logs nobody out). Both keep the sessions this replica serves in a <see cref="SessionTable"/>, so a hot token
/// is answered without leaving the process.
/// </summary>
/// <remarks>Operations that need the shared store throw <see cref="SessionStoreUnavailableException"/> when it cannot be reached.</remarks>
internal interface ITokenStore : IAsyncDisposable
{
    /// <summary>"memory" or "redis" (logs, /healthz).</summary>
    string Kind { get; }

    /// <summary>Sessions this replica holds (with the memory store also the slots reserved by sign-ons in progress).</summary>
    int Count { get; }

    /// <summary>
    /// Takes one of IBMI_AUTH_MAX_CONCURRENT_SESSIONS slots before IBM i is contacted, atomically across every replica
    /// that shares the store; <see cref="SessionSlot.IsGranted"/> is false when all are taken. A granted slot must be
    /// followed by exactly one <see cref="IssueAsync"/> or <see cref="ReleaseAsync"/>.
    /// </summary>
    ValueTask<SessionSlot> TryReserveAsync(CancellationToken cancellationToken);

    ValueTask ReleaseAsync(SessionSlot slot);

    /// <summary>
    /// Stores the session under a new random token (consuming the slot) and returns the token. A shared store seals
    /// <paramref name="request"/>'s password into the record, so it must not have been disposed yet.
    /// </summary>
    ValueTask<string> IssueAsync(SessionSlot slot, AuthSession session, SignOnRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The synchronous, allocation-free lookup every /mcp request makes. <see cref="TokenLookup.Pending"/> means this
    /// replica cannot decide alone; the caller then awaits <see cref="ResolveAsync"/>.
    /// </summary>
    TokenLookup TryGet(ReadOnlySpan<char> token, out AuthSession? session);

    /// <summary>The slow path behind <see cref="TokenLookup.Pending"/>: asks the shared store, adopts or drops the session.</summary>
    ValueTask<TokenResolution> ResolveAsync(string token, CancellationToken cancellationToken);

    /// <summary>Ends the token's session everywhere and closes this replica's pool for it; false when unknown or expired.</summary>
    ValueTask<bool> RevokeAsync(string token);

    /// <summary>Removes this replica's expired sessions and closes their pools; returns how many.</summary>
    ValueTask<int> RemoveExpiredAsync();

    /// <summary>Time until the earliest live session expires anywhere (for Retry-After), null when there is none.</summary>
    ValueTask<TimeSpan?> TimeUntilNextExpiryAsync();
}

/// <summary>A reserved session slot. <see cref="Member"/> names the reservation in a shared store (null in memory).</summary>
internal readonly record struct SessionSlot(bool IsGranted, string? Member = null)
{
    public static SessionSlot Refused => default;
}

/// <summary>The answer of <see cref="ITokenStore.ResolveAsync"/>.</summary>
internal readonly record struct TokenResolution(TokenLookup Lookup, AuthSession? Session);

/// <summary>The shared session store (Redis/Valkey) could not be reached or did not answer in time.</summary>
internal sealed class SessionStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
