namespace IbmiMcp.Tests.Auth;

/// <summary>A clock tests move by hand. Timers it creates never fire on their own (tests call the reaper directly).</summary>
internal sealed class FakeTime : TimeProvider
{
    private DateTimeOffset _now;
    private long _timestamp;

    /// <param name="start">Default: a fixed instant. Tests whose clients stamp real time (ibmi-mcp token writes iat) start at now.</param>
    public FakeTime(DateTimeOffset? start = null) => _now = start ?? new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;
    public override long GetTimestamp() => _timestamp;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by)
    {
        _now += by;
        _timestamp += by.Ticks;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverTimer();

    private sealed class NeverTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
