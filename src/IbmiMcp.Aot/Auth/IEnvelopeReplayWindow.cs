namespace IbmiMcp.Auth;

/// <summary>
/// Remembers every accepted sign-on envelope (its <see cref="EnvelopeFingerprint"/>) for IBMI_AUTH_REPLAY_WINDOW_SECONDS,
/// so a captured POST /api/v1/auth body sent again is refused instead of minting another token. Envelopes that carry
/// <c>iat</c> are refused outright once older than the window, so for them the protection has no gap; envelopes without
/// it (the reference's client) are protected for the window. <see cref="MemoryReplayWindow"/> serves one process,
/// <see cref="Sessions.RedisReplayWindow"/> every replica that shares the store.
/// </summary>
internal interface IEnvelopeReplayWindow
{
    /// <summary>Remembers the envelope if it is new; says whether it was, or that no more can be remembered now.</summary>
    ValueTask<ReplayCheck> TryRememberAsync(EnvelopeFingerprint fingerprint, CancellationToken cancellationToken);

    /// <summary>Forgets envelopes older than the window (called by the reaper).</summary>
    void Prune();
}

internal enum ReplayCheck
{
    /// <summary>First time seen; now remembered.</summary>
    New,
    Replayed,
    /// <summary>The memory window holds its maximum number of envelopes (a flood of valid envelopes).</summary>
    Full,
}
