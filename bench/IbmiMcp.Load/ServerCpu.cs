namespace IbmiMcp.Load;

/// <summary>
/// CPU time a server process has used, in nanoseconds: utime + stime of /proc/PID/stat, which keep the time of
/// threads that have ended (the thread pool retires idle workers after a load; summing the live threads' schedstat,
/// as this did before, then went backwards). Its unit is the kernel's USER_HZ, 100 per second on Linux: 10 ms, so
/// callers measure windows of a second or more of CPU.
/// </summary>
internal static class ServerCpu
{
    private const long NanosecondsPerTick = 10_000_000;

    public static long Nanoseconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        var utime = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return (utime + stime) * NanosecondsPerTick;
    }
}
