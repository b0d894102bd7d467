using System.Globalization;

namespace IbmiMcp.Observability;

/// <summary>
/// The process's own figures as Prometheus clients name them (process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds, process_max_fds), read from /proc on
/// each scrape, so a plain Prometheus scrape shows CPU and memory per replica. Zero where /proc is missing.
/// </summary>
internal readonly record struct ProcessStats(double CpuSeconds, long ResidentBytes, long VirtualBytes, double StartTimeSeconds, long OpenFds, long MaxFds)
{
    /// <summary>Linux reports CPU times and the start time in USER_HZ ticks, 100 per second.</summary>
    private const double TicksPerSecond = 100;

    public static ProcessStats Read()
    {
        if (!OperatingSystem.IsLinux())
            return default;
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // After the command name in parentheses: field 3 (state) is index 0; utime, stime are 14, 15; starttime 22; vsize 23; rss 24.
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double Field(int number) => double.Parse(f[number - 3], CultureInfo.InvariantCulture);
            var cpu = (Field(14) + Field(15)) / TicksPerSecond;
            var virtualBytes = (long)Field(23);
            var resident = (long)Field(24) * Environment.SystemPageSize;
            var start = BootTime() + Field(22) / TicksPerSecond;
            return new ProcessStats(cpu, resident, virtualBytes, start, OpenFileCount(), MaxOpenFiles());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return default;
        }
    }

    private static double BootTime()
    {
        foreach (var line in File.ReadLines("/proc/stat"))
            if (line.StartsWith("btime ", StringComparison.Ordinal))
                return double.Parse(line.AsSpan(6), CultureInfo.InvariantCulture);
        return 0;
    }

    private static long OpenFileCount()
    {
        long n = 0;
        foreach (var _ in Directory.EnumerateFileSystemEntries("/proc/self/fd")) n++;
        return n;
    }

    private static long MaxOpenFiles()
    {
        foreach (var line in File.ReadLines("/proc/self/limits"))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            var soft = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
            return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        }
        return 0;
    }
}
