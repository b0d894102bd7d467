using IbmiMcp.Memory;
using IbmiMcp.Tests.Auth;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Memory;

public class IdleMemoryTrimmerTests
{
    private const long MiB = 1L << 20;

    /// <summary>A trimmer whose RSS, allocation count and trim are the test's; ticks are called by hand.</summary>
    private sealed class Probe
    {
        public long Rss = 20 * MiB;
        public long Allocated;
        public long RssAfterTrim = 22 * MiB;
        public int Trims;
        public readonly IdleMemoryTrimmer Trimmer;

        public Probe() => Trimmer = new IdleMemoryTrimmer(TimeSpan.FromSeconds(30), new FakeTime(), NullLogger.Instance,
            () => Rss, () => Allocated, () => { Trims++; Rss = RssAfterTrim; return Rss; });
    }

    [Fact]
    public void A_quiet_server_that_grew_by_a_burst_trims_once()
    {
        var p = new Probe();
        p.Allocated += 500 * MiB; p.Rss = 110 * MiB;   // the burst
        p.Trimmer.Tick();
        Assert.Equal(0, p.Trims);                        // still busy at this tick
        p.Allocated += 1 * MiB;                          // health probes only
        p.Trimmer.Tick();
        Assert.Equal(1, p.Trims);
        p.Trimmer.Tick();
        p.Trimmer.Tick();
        Assert.Equal(1, p.Trims);                        // nothing new to give back
    }

    [Fact]
    public void A_server_that_allocates_is_never_trimmed_however_large()
    {
        var p = new Probe();
        p.Rss = 500 * MiB;
        for (var i = 0; i < 10; i++)
        {
            p.Allocated += IdleMemoryTrimmer.QuietBytes;
            p.Trimmer.Tick();
        }
        Assert.Equal(0, p.Trims);
    }

    [Fact]
    public void Growing_native_memory_counts_as_busy_even_without_managed_allocations()
    {
        // OpenSSL's buffers of new TLS connections are not in the GC's allocation count; RSS still shows them.
        var p = new Probe();
        for (var i = 0; i < 10; i++)
        {
            p.Rss += 2 * IdleMemoryTrimmer.SteadyBytes;   // 20 MiB over the ten ticks
            p.Trimmer.Tick();
        }
        Assert.Equal(0, p.Trims);
        p.Trimmer.Tick();                                // the burst is over: RSS stays put
        Assert.Equal(1, p.Trims);
    }

    [Fact]
    public void Growth_below_the_threshold_is_left_alone()
    {
        var p = new Probe();
        p.Rss += IdleMemoryTrimmer.GrowthBytes - 1;
        p.Trimmer.Tick();
        p.Trimmer.Tick();
        Assert.Equal(0, p.Trims);
        p.Rss += 1;
        p.Trimmer.Tick();
        Assert.Equal(1, p.Trims);
    }

    [Fact]
    public void Growth_counts_from_after_the_last_trim()
    {
        var p = new Probe();
        p.Rss = 100 * MiB; p.RssAfterTrim = 60 * MiB;
        p.Trimmer.Tick();                                // growing
        p.Trimmer.Tick();                                // steady: trims
        Assert.Equal(1, p.Trims);
        p.Rss = 60 * MiB + IdleMemoryTrimmer.GrowthBytes - 1;   // the next, smaller burst
        p.Trimmer.Tick();
        p.Trimmer.Tick();
        Assert.Equal(1, p.Trims);
        p.Rss += 1;
        p.Trimmer.Tick();
        Assert.Equal(2, p.Trims);
    }

    [Fact]
    public void The_real_trim_runs_here_and_reports_a_resident_size()
    {
        // RSS and the allocation count are the test's (other tests allocate in parallel); the collection and the
        // malloc trim are the real ones, in this process.
        long rss = 1L << 40;
        var trimmer = new IdleMemoryTrimmer(TimeSpan.FromSeconds(30), new FakeTime(), NullLogger.Instance, rss: () => rss, allocated: () => 0);
        rss *= 2;
        trimmer.Tick();                                  // growing
        trimmer.Tick();                                  // steady: the real trim
        Assert.Equal(1, trimmer.Trims);
        if (OperatingSystem.IsLinux()) Assert.True(NativeHeap.CanTrim, "glibc's malloc_trim was not found");
    }

    [Fact]
    public void Zero_interval_means_never()
        => Assert.Null(IdleMemoryTrimmer.Start(0, NullLoggerFactory.Instance));
}
