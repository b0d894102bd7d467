namespace IbmiMcp.Tests.Observability;

/// <summary>A clock tests move by hand; timestamps are ticks of <see cref="GetUtcNow"/>.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now;

    public ManualTimeProvider(DateTimeOffset? start = null) => _now = start ?? new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() { lock (this) return _now; }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) { lock (this) _now += by; }
}
