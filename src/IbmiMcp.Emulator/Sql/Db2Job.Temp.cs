namespace IbmiMcp.Emulator.Sql;

internal sealed partial class Db2Job
{
    /// <summary>Unique per job: names the parameters of inlined table-function rows.</summary>
    public int NextTempId() => Interlocked.Increment(ref _tempCounter);
}
