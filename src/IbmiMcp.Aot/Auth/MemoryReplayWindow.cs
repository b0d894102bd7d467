using System.Collections.Concurrent;

namespace IbmiMcp.Auth;

/// <summary>
/// The in-process <see cref="IEnvelopeReplayWindow"/>. Each entry is a 16-byte fingerprint and an expiry: about 100
/// bytes of memory with the dictionary's overhead. The table is bounded (<see cref="MaxEntries"/>): anyone can build
/// valid envelopes with the public key, so without a bound a flood of them would grow memory for a whole window.
/// </summary>
internal sealed class MemoryReplayWindow : IEnvelopeReplayWindow
{
    public const int DefaultMaxEntries = 200_000;

    private readonly ConcurrentDictionary<EnvelopeFingerprint, long> _seen = new();
    private readonly TimeProvider _time;
    private readonly long _windowTicks;

    public MemoryReplayWindow(TimeSpan window, TimeProvider time, int maxEntries = DefaultMaxEntries)
    {
        _time = time;
        _windowTicks = (long)(window.TotalSeconds * time.TimestampFrequency);
        MaxEntries = maxEntries;
    }

    public int MaxEntries { get; }

    public int Count => _seen.Count;

    public ValueTask<ReplayCheck> TryRememberAsync(EnvelopeFingerprint fingerprint, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        while (true)
        {
            if (_seen.TryGetValue(fingerprint, out var expires))
            {
                if (expires > now) return new(ReplayCheck.Replayed);
                // Aged out but not yet pruned: it may be taken again, by exactly one of any racing senders.
                if (_seen.TryUpdate(fingerprint, now + _windowTicks, expires)) return new(ReplayCheck.New);
                continue;
            }
            if (_seen.Count >= MaxEntries)
            {
                Prune();
                if (_seen.Count >= MaxEntries) return new(ReplayCheck.Full);
            }
            if (_seen.TryAdd(fingerprint, now + _windowTicks)) return new(ReplayCheck.New);
        }
    }

    public void Prune()
    {
        var now = _time.GetTimestamp();
        foreach (var pair in _seen)
            if (pair.Value <= now)
                _seen.TryRemove(pair);
    }
}
