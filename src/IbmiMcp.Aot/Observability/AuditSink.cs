namespace IbmiMcp.Observability;

/// <summary>Where audit lines go. Used only by the single audit writer thread, so implementations need no locking.</summary>
internal abstract class AuditSink : IDisposable
{
    /// <summary>Writes one complete line (ending in '\n').</summary>
    public abstract void WriteLine(ReadOnlySpan<byte> line);

    /// <summary>Pushes buffered lines to the destination; called when the queue runs empty.</summary>
    public abstract void Flush();

    public virtual void Dispose() { }
}
