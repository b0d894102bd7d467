using System.Collections.Concurrent;

namespace IbmiMcp.Emulator.Sql;

/// <summary>Live jobs of one emulated system (for ACTIVE_JOB_INFO) and the per-statement attribution log.</summary>
internal sealed class JobRegistry(string version, EmulatorUsers users)
{
    private int _nextNumber = 100000 + Random.Shared.Next(0, 800000);
    private readonly ConcurrentDictionary<int, Db2Job> _jobs = new();
    private readonly ConcurrentQueue<ClientInfoRecord> _records = new();
    private int _recordCount;

    public const int MaxRecords = 100_000;

    public string Version { get; } = version;
    public EmulatorUsers Users { get; } = users;

    public int NextJobNumber()
    {
        int n = Interlocked.Increment(ref _nextNumber);
        return n > 999999 ? 100000 + n % 900000 : n;
    }

    public void Add(Db2Job job) => _jobs[job.Number] = job;

    public void Remove(Db2Job job) => _jobs.TryRemove(job.Number, out _);

    public IReadOnlyList<Db2Job> Jobs => _jobs.Values.OrderBy(j => j.Number).ToList();

    public int Count => _jobs.Count;

    public void Record(Db2Job job, string sql)
    {
        var r = job.Registers;
        _records.Enqueue(new ClientInfoRecord(job.JobName, job.User, r.ApplName, r.UserId, r.ProgramId, sql, r.WrkstnName, r.Acctng, DateTimeOffset.Now));
        if (Interlocked.Increment(ref _recordCount) > MaxRecords && _records.TryDequeue(out _)) Interlocked.Decrement(ref _recordCount);
    }

    public IReadOnlyList<ClientInfoRecord> Records => _records.ToArray();

    public void ClearRecords()
    {
        while (_records.TryDequeue(out _)) Interlocked.Decrement(ref _recordCount);
    }
}
