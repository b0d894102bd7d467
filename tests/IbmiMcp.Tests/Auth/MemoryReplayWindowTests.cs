using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

public sealed class MemoryReplayWindowTests
{
    private readonly FakeTime _time = new();
    private static EnvelopeFingerprint Fp(ulong n) => new(n, ~n);

    [Fact]
    public async Task An_envelope_is_new_once_and_replayed_within_the_window()
    {
        var window = new MemoryReplayWindow(TimeSpan.FromSeconds(60), _time);
        Assert.Equal(ReplayCheck.New, await window.TryRememberAsync(Fp(1), default));
        Assert.Equal(ReplayCheck.Replayed, await window.TryRememberAsync(Fp(1), default));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(ReplayCheck.Replayed, await window.TryRememberAsync(Fp(1), default));
        Assert.Equal(ReplayCheck.New, await window.TryRememberAsync(Fp(2), default));
    }

    [Fact]
    public async Task After_the_window_an_entry_is_forgotten_and_pruning_frees_its_memory()
    {
        var window = new MemoryReplayWindow(TimeSpan.FromSeconds(60), _time);
        await window.TryRememberAsync(Fp(1), default);
        _time.Advance(TimeSpan.FromSeconds(60));
        window.Prune();
        Assert.Equal(0, window.Count);
        Assert.Equal(ReplayCheck.New, await window.TryRememberAsync(Fp(1), default));
    }

    [Fact]
    public async Task Concurrent_senders_of_one_envelope_get_exactly_one_new()
    {
        var window = new MemoryReplayWindow(TimeSpan.FromSeconds(60), _time);
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await window.TryRememberAsync(Fp(7), default))));
        Assert.Equal(1, results.Count(r => r == ReplayCheck.New));
    }

    [Fact]
    public async Task A_full_window_refuses_rather_than_growing_until_entries_age_out()
    {
        var window = new MemoryReplayWindow(TimeSpan.FromSeconds(60), _time, maxEntries: 3);
        for (ulong i = 0; i < 3; i++) Assert.Equal(ReplayCheck.New, await window.TryRememberAsync(Fp(i), default));
        Assert.Equal(ReplayCheck.Full, await window.TryRememberAsync(Fp(9), default));
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(ReplayCheck.New, await window.TryRememberAsync(Fp(9), default));
    }
}
