using System.Text;
using IbmiMcp.Observability;

namespace IbmiMcp.Tests.Observability;

/// <summary>Collects audit lines in memory; <see cref="Block"/> makes the writer thread hang inside WriteLine.</summary>
internal sealed class MemoryAuditSink : AuditSink
{
    private readonly List<string> _lines = [];
    private readonly ManualResetEventSlim _open = new(true);
    private readonly ManualResetEventSlim _entered = new(false);

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToArray(); } }

    public int Flushes { get; private set; }

    public void Block() => _open.Reset();

    public void Unblock() => _open.Set();

    /// <summary>Waits until the writer is inside WriteLine (so it holds exactly one event).</summary>
    public bool WaitUntilWriting(TimeSpan timeout) => _entered.Wait(timeout);

    public override void WriteLine(ReadOnlySpan<byte> line)
    {
        _entered.Set();
        _open.Wait(TimeSpan.FromSeconds(30));
        var text = Encoding.UTF8.GetString(line);
        lock (_lines) _lines.Add(text);
    }

    public override void Flush() => Flushes++;
}
