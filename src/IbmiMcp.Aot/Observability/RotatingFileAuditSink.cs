namespace IbmiMcp.Observability;

/// <summary>
/// Audit lines to a file with size-based rotation: when the next line would take <c>audit.log</c> past
/// MCP_AUDIT_MAX_BYTES, it becomes <c>audit.log.1</c> (older ones shift to .2 … .N, the oldest is deleted) and a
/// new file starts. A line is never split across files. New files are created owner read/write, group read.
/// </summary>
internal sealed class RotatingFileAuditSink : AuditSink
{
    public const int DefaultKeep = 5;

    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _keep;
    private FileStream _stream;
    private long _length;

    public RotatingFileAuditSink(string path, long maxBytes, int keep = DefaultKeep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        _path = Path.GetFullPath(path);
        _maxBytes = maxBytes;
        _keep = keep;
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        _stream = Open(_path);
        _length = _stream.Length;
    }

    public string FilePath => _path;

    public override void WriteLine(ReadOnlySpan<byte> line)
    {
        // An empty file takes any line, however long, so an oversized line cannot rotate forever.
        if (_length > 0 && _length + line.Length > _maxBytes)
            Rotate();
        _stream.Write(line);
        _length += line.Length;
    }

    public override void Flush() => _stream.Flush();

    public override void Dispose() => _stream.Dispose();

    private void Rotate()
    {
        _stream.Dispose();
        File.Delete($"{_path}.{_keep}");
        for (var i = _keep - 1; i >= 1; i--)
        {
            var from = $"{_path}.{i}";
            if (File.Exists(from))
                File.Move(from, $"{_path}.{i + 1}", overwrite: true);
        }
        File.Move(_path, $"{_path}.1", overwrite: true);
        _stream = Open(_path);
        _length = 0;
    }

    private static FileStream Open(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 64 * 1024,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        return new FileStream(path, options);
    }
}
