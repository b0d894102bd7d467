namespace IbmiMcp.Auth;

/// <summary>One issued token's state on this replica: who signed on, where, their pool, and when it ends.</summary>
internal sealed class AuthSession
{
    private int _closed;
    private long _validatedAt;

    public AuthSession(string user, string host, ISessionPool pool, DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        User = user; Host = host; Pool = pool; CreatedAt = createdAt; ExpiresAt = expiresAt;
    }

    /// <summary>IBM i user profile, upper-case.</summary>
    public string User { get; }
    public string Host { get; }
    public ISessionPool Pool { get; }
    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset ExpiresAt { get; }
    /// <summary>Non-secret handle (see <see cref="TokenKey.ToSessionId"/>), set when the token is issued or adopted.</summary>
    public string SessionId { get; internal set; } = "";

    /// <summary>Groups and special authorities read at sign-on, for tool authorization.</summary>
    public CallerProfile Profile { get; init; } = CallerProfile.Anonymous;

    /// <summary>Where the sign-on came from (audit on every replica).</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The record's key in a shared store (a one-way digest of the token); null with the memory store.</summary>
    public string? StoreKey { get; internal set; }

    /// <summary>Timestamp (<see cref="TimeProvider.GetTimestamp"/>) when the shared store last confirmed the record exists.</summary>
    public long ValidatedAt
    {
        get => Volatile.Read(ref _validatedAt);
        internal set => Volatile.Write(ref _validatedAt, value);
    }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;

    /// <summary>Closes the pool once, whoever gets here first (revoke, reaper, expiry at use, shutdown).</summary>
    public ValueTask CloseAsync()
        => Interlocked.Exchange(ref _closed, 1) == 0 ? Pool.DisposeAsync() : ValueTask.CompletedTask;
}
