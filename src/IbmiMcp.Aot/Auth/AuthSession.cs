namespace IbmiMcp.Auth;

/// <summary>One issued token's state: who signed on, where, their pool, and when it ends.</summary>
internal sealed class AuthSession
{
    private int _closed;

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
    /// <summary>Non-secret handle (see <see cref="TokenKey.ToSessionId"/>), set when the token is issued.</summary>
    public string SessionId { get; internal set; } = "";

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;

    /// <summary>Closes the pool once, whoever gets here first (revoke, reaper, expiry at use, shutdown).</summary>
    public ValueTask CloseAsync()
        => Interlocked.Exchange(ref _closed, 1) == 0 ? Pool.DisposeAsync() : ValueTask.CompletedTask;
}
