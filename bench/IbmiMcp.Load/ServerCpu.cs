namespace IbmiMcp.Load;

/// <summary>
/// CPU time a server process has used, in nanoseconds: the sum of /proc/PID/task/*/schedstat (time on CPU per
/// thread, nanosecond resolution, unlike the 10 ms ticks of /proc/PID/stat).
/// </summary>
internal static class ServerCpu
{
    public static long Nanoseconds(int pid)
    {
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                total += long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException) { /* the thread ended meanwhile */ }
        }
        return total;
    }
}
