namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// The shared <see cref="IEnvelopeReplayWindow"/>: one <c>SET NX PX</c> per accepted envelope, so a body replayed to
/// another replica is refused too. Redis expires the keys; each costs about 90 bytes there.
/// </summary>
internal sealed class RedisReplayWindow : IEnvelopeReplayWindow
{
    private readonly RedisSessionBackend _redis;
    private readonly TimeSpan _window;

    public RedisReplayWindow(RedisSessionBackend redis, TimeSpan window)
    {
        _redis = redis;
        _window = window;
    }

    public async ValueTask<ReplayCheck> TryRememberAsync(EnvelopeFingerprint fingerprint, CancellationToken cancellationToken)
    {
        Span<byte> bytes = stackalloc byte[EnvelopeFingerprint.Bytes];
        fingerprint.CopyTo(bytes);
        var key = _redis.HiddenKey("e", bytes);
        var added = await _redis.RunAsync(_redis.Database.StringSetAsync(key, 1, _window, StackExchange.Redis.When.NotExists), "replay window")
            .ConfigureAwait(false);
        return added ? ReplayCheck.New : ReplayCheck.Replayed;
    }

    public void Prune() { }
}
