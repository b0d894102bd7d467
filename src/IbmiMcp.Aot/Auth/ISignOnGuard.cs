namespace IbmiMcp.Auth;

/// <summary>
/// Stops password guessing before it reaches IBM i (IBM i disables a profile after QMAXSIGN bad passwords, so a server
/// that relays guesses lets anyone lock users out). Counts failures per user profile (per host) and per client address;
/// at IBMI_AUTH_MAX_FAILED_ATTEMPTS either is locked out for IBMI_AUTH_LOCKOUT_SECONDS. Attempts in flight at one
/// profile count as failures until they end. Two implementations: <see cref="SignOnLimiter"/> (one process) and
/// <see cref="Sessions.RedisSignOnGuard"/> (shared, so replicas together never relay more than the limit).
/// </summary>
internal interface ISignOnGuard
{
    /// <summary>Admits one attempt, or says how long to wait. An admitted attempt must be closed with <see cref="EndAsync"/>.</summary>
    ValueTask<SignOnAdmission> TryBeginAsync(string user, string host, string? client, CancellationToken cancellationToken);

    /// <summary>Closes an attempt. Only <see cref="SignOnOutcome.Rejected"/> (IBM i refused the password) counts as a failure.</summary>
    ValueTask EndAsync(SignOnAdmission admission, SignOnOutcome outcome);

    /// <summary>Forgets state that has aged out (called by the reaper).</summary>
    void Prune();
}

/// <summary>An admitted attempt (<see cref="Admitted"/>), or the seconds to wait before the next one.</summary>
internal readonly record struct SignOnAdmission(bool Admitted, int RetryAfterSeconds, string UserKey, string AddressKey, string? AttemptId = null);
