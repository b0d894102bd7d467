using System.Text;
using System.Text.Json;
using IbmiMcp.Observability;

namespace IbmiMcp.Tests.Observability;

public sealed class RotatingFileAuditSinkTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("audit-rotate-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static byte[] Line(int i) => Encoding.UTF8.GetBytes($"{{\"n\":\"{i:D4}\",\"pad\":\"{new string('x', 40)}\"}}\n");   // 62 bytes

    [Fact]
    public void Rotates_by_size_keeps_N_files_and_never_splits_a_line()
    {
        var path = Path.Combine(_dir.FullName, "audit.log");
        using (var sink = new RotatingFileAuditSink(path, maxBytes: 200, keep: 3))
        {
            for (var i = 0; i < 40; i++)
                sink.WriteLine(Line(i));
            sink.Flush();
        }

        var names = _dir.GetFiles().Select(f => f.Name).Order().ToArray();
        Assert.Equal(["audit.log", "audit.log.1", "audit.log.2", "audit.log.3"], names);
        // 3 lines fit in 200 bytes; 40 lines = 13 full files + 1 line. The newest file holds line 39, .1 holds 36-38…
        Assert.Equal([39], Numbers(path));
        Assert.Equal([36, 37, 38], Numbers(path + ".1"));
        Assert.Equal([33, 34, 35], Numbers(path + ".2"));
        Assert.Equal([30, 31, 32], Numbers(path + ".3"));
        Assert.All(_dir.GetFiles(), f => Assert.True(f.Length <= 200));
    }

    [Fact]
    public void Appends_to_an_existing_file_and_counts_its_size()
    {
        var path = Path.Combine(_dir.FullName, "audit.log");
        File.WriteAllBytes(path, [.. Line(0), .. Line(1), .. Line(2)]);
        using (var sink = new RotatingFileAuditSink(path, maxBytes: 200, keep: 2))
        {
            sink.WriteLine(Line(3));
        }
        Assert.Equal([0, 1, 2], Numbers(path + ".1"));
        Assert.Equal([3], Numbers(path));
    }

    [Fact]
    public void A_line_longer_than_the_limit_still_gets_written_alone()
    {
        var path = Path.Combine(_dir.FullName, "audit.log");
        using (var sink = new RotatingFileAuditSink(path, maxBytes: 20, keep: 2))
        {
            sink.WriteLine(Line(1));
            sink.WriteLine(Line(2));
        }
        Assert.Equal([2], Numbers(path));
        Assert.Equal([1], Numbers(path + ".1"));
    }

    [Fact]
    public void The_audit_log_writes_through_rotation_without_losing_lines()
    {
        var path = Path.Combine(_dir.FullName, "audit.log");
        using (var log = new AuditLog(new RotatingFileAuditSink(path, maxBytes: 4096, keep: 50), TimeProvider.System))
        {
            for (var i = 0; i < 300; i++)
                log.TokenExpired("ALICE", $"s-{i}");
        }
        var sessions = _dir.GetFiles().SelectMany(f => File.ReadAllLines(f.FullName))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("session").GetString()).ToHashSet();
        Assert.Equal(300, sessions.Count);
        Assert.True(_dir.GetFiles().Length > 1);
    }

    private static int[] Numbers(string file) =>
        File.ReadAllLines(file).Select(l => int.Parse(JsonDocument.Parse(l).RootElement.GetProperty("n").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
