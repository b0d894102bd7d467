namespace IbmiMcp.Emulator.Sql;

internal sealed partial class Db2Job
{
    private long _logKey = 0x100;

    /// <summary>Messages written to this job's log (CL commands); cleared when the job ends.</summary>
    public List<JobLogMessage> Log { get; } = [];

    public long NextLogKey() => Interlocked.Increment(ref _logKey);
}
