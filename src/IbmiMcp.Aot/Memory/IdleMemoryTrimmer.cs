using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Memory;

/// <summary>
/// Gives memory back once the server has gone quiet after a burst. A burst of sign-ons keeps hundreds of TLS
/// connections alive at once; when their pools close them, the GC keeps the heap it grew for them committed (an idle
/// process runs no collection that would decommit it) and glibc keeps OpenSSL's freed buffers, so RSS stays at the
/// burst's high-water mark (bench/RESULTS.md, issue 17). Every interval: if since the last tick the process allocated
/// almost nothing and its RSS did not grow (native memory, OpenSSL's, is not in the allocation count), and RSS is well
/// above what it was after the last trim, one aggressive full collection and a malloc trim. A busy server never pays
/// for it; an idle one pays once per burst.
/// </summary>
internal sealed class IdleMemoryTrimmer : IAsyncDisposable
{
    /// <summary>Allocated between two ticks, below this the process counts as quiet (health probes, metric scrapes).</summary>
    internal const long QuietBytes = 4L << 20;
    /// <summary>RSS growth since the last trim that makes one worth its cost (tens of milliseconds of one core).</summary>
    internal const long GrowthBytes = 16L << 20;
    /// <summary>RSS growth between two ticks that still counts as not growing (stacks, page cache of the log).</summary>
    internal const long SteadyBytes = 1L << 20;

    private readonly ILogger _log;
    private readonly Func<long> _rss;
    private readonly Func<long> _allocated;
    private readonly Func<long> _trim;
    private readonly ITimer _timer;
    private long _lastAllocated;
    private long _lastRss;
    private long _baseline;
    private int _ticking;

    /// <param name="rss">Resident bytes now (tests pass their own).</param>
    /// <param name="allocated">Managed bytes allocated since the process started.</param>
    /// <param name="trim">Does the trim and returns resident bytes afterwards.</param>
    internal IdleMemoryTrimmer(TimeSpan interval, TimeProvider time, ILogger log, Func<long>? rss = null, Func<long>? allocated = null, Func<long>? trim = null)
    {
        _log = log;
        _rss = rss ?? ResidentBytes;
        _allocated = allocated ?? (static () => GC.GetTotalAllocatedBytes());
        _trim = trim ?? TrimNow;
        _lastAllocated = _allocated();
        _baseline = _lastRss = _rss();
        _timer = time.CreateTimer(static s => ((IdleMemoryTrimmer)s!).Tick(), this, interval, interval);
    }

    public static IdleMemoryTrimmer? Start(int intervalMs, ILoggerFactory loggerFactory) => intervalMs <= 0 ? null
        : new IdleMemoryTrimmer(TimeSpan.FromMilliseconds(intervalMs), TimeProvider.System, loggerFactory.CreateLogger("IbmiMcp.Memory"));

    /// <summary>Trims made so far (tests).</summary>
    internal int Trims { get; private set; }

    internal void Tick()
    {
        // A timer tick can come while the previous one still collects (short intervals): one at a time.
        if (Interlocked.Exchange(ref _ticking, 1) != 0) return;
        try { TickCore(); }
        finally { Volatile.Write(ref _ticking, 0); }
    }

    private void TickCore()
    {
        var allocated = _allocated();
        var before = _rss();
        var quiet = allocated - _lastAllocated < QuietBytes && before - _lastRss < SteadyBytes;
        _lastAllocated = allocated;
        _lastRss = before;
        // Below the baseline: memory went back some other way (the GC decommitted on its own), so count from here.
        if (before < _baseline) _baseline = before;
        if (!quiet || before - _baseline < GrowthBytes) return;
        var started = Stopwatch.GetTimestamp();
        var after = _trim();
        _baseline = _lastRss = after;
        _lastAllocated = _allocated();
        Trims++;
        MemoryLog.Trimmed(_log, before >> 20, after >> 20, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static long TrimNow()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
        return ResidentBytes();
    }

    /// <summary>VmRSS from /proc/self/statm (pages), without the allocations of Process.</summary>
    private static long ResidentBytes()
    {
        try
        {
            Span<byte> buffer = stackalloc byte[128];
            using var statm = File.OpenHandle("/proc/self/statm");
            var n = RandomAccess.Read(statm, buffer, 0);
            // "size resident shared ...": the second field. Anything else reads as 0, and 0 never trims.
            var text = buffer[..n];
            var space = text.IndexOf((byte)' ');
            if (space < 0) return 0;
            var rest = text[(space + 1)..];
            var end = rest.IndexOf((byte)' ');
            return end > 0 && System.Buffers.Text.Utf8Parser.TryParse(rest[..end], out long pages, out _) ? pages * Environment.SystemPageSize : 0;
        }
        catch (IOException) { return 0; }
        catch (UnauthorizedAccessException) { return 0; }
    }

    public ValueTask DisposeAsync() => _timer.DisposeAsync();
}

internal static partial class MemoryLog
{
    [LoggerMessage(8001, LogLevel.Information, "Quiet after a burst: returned memory to the system (RSS {BeforeMiB} -> {AfterMiB} MiB in {ElapsedMs} ms)")]
    public static partial void Trimmed(ILogger logger, long beforeMiB, long afterMiB, long elapsedMs);
}
