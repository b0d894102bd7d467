using IbmiMcp.Auth.Sessions;

namespace IbmiMcp.Auth;

/// <summary>
/// Signs a user on to IBM i by opening their pool (<see cref="SignOnRequest.PoolStart"/> connections). There is no
/// separate credential check on IBM i: a pool that opens is a successful sign-on (spec §1.3).
/// </summary>
internal interface ISessionPoolFactory
{
    /// <summary>The Mapepire port token pools connect to (recorded with shared sessions).</summary>
    int MapepirePort { get; }

    /// <summary>
    /// Opens the pool. Copies whatever it keeps of the password: the caller zeroes its copy as soon as this returns.
    /// On failure throws <c>MapepireException</c> (Authentication, Unreachable, Tls, Timeout, …) and leaves no
    /// connection open.
    /// </summary>
    ValueTask<ISessionPool> OpenAsync(SignOnRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// A pool for a session signed on elsewhere (another replica, or before a restart), opened on first use. Copies
    /// the password; the caller zeroes its copy when this returns.
    /// </summary>
    ISessionPool Adopt(SessionRecord record, ReadOnlySpan<byte> password);
}
