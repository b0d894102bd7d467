namespace IbmiMcp.Observability;

/// <summary>
/// Audit lines to a stream, normally stderr (MCP_AUDIT_LOG=stderr). Each line is one Write call on the unbuffered
/// stderr stream, so a line stays whole when the diagnostic log writes to the same descriptor (pipe writes up
/// to PIPE_BUF are atomic).
/// </summary>
internal sealed class StreamAuditSink : AuditSink
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;

    public StreamAuditSink(Stream stream, bool ownsStream)
    {
        _stream = stream;
        _ownsStream = ownsStream;
    }

    public static StreamAuditSink StandardError() => new(Console.OpenStandardError(), ownsStream: true);

    public override void WriteLine(ReadOnlySpan<byte> line) => _stream.Write(line);

    public override void Flush() => _stream.Flush();

    public override void Dispose()
    {
        _stream.Flush();
        if (_ownsStream)
            _stream.Dispose();
    }
}
