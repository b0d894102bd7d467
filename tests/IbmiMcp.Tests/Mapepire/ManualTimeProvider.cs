namespace IbmiMcp.Tests.Mapepire;

/// <summary>A clock that moves only when a test says so; timers fire inside <see cref="Advance"/>.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private long _ticks = TimeSpan.FromDays(1000).Ticks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        var target = Interlocked.Read(ref _ticks) + by.Ticks;
        while (true)
        {
            ManualTimer? next = null;
            lock (_gate)
            {
                foreach (var t in _timers)
                    if (t.Due <= target && (next is null || t.Due < next.Due)) next = t;
                if (next is not null)
                {
                    Interlocked.Exchange(ref _ticks, Math.Max(_ticks, next.Due));
                    if (next.Period > 0) next.Due += next.Period; else _timers.Remove(next);
                }
            }
            if (next is null) break;
            next.Fire();
        }
        Interlocked.Exchange(ref _ticks, target);
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long Due;
        public long Period;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                Due = owner.GetTimestamp() + dueTime.Ticks;
                Period = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                owner._timers.Add(this);
            }
            return true;
        }

        public void Fire() => callback(state);
        public void Dispose() { lock (owner._gate) owner._timers.Remove(this); }
        public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
    }
}
