using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Mapepire;
using IbmiMcp.Mapepire.Messages;

namespace IbmiMcp.Bench.Mapepire;

/// <summary>Request serialization into the connection's reused writer and buffer (as MapepireConnection does). Budget: 0 B.</summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class MapepireRequestWriteBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private Utf8JsonWriter _writer = null!;
    private readonly SqlValue[] _parameters = [SqlValue.From("A00"), SqlValue.From(42L), SqlValue.From(1.5)];
    private const string Sql = "SELECT EMPNO, FIRSTNME, LASTNAME, WORKDEPT, SALARY FROM SAMPLE.EMPLOYEE WHERE WORKDEPT = ? AND EDLEVEL > ? AND BONUS > ?";
    private long _id;

    [GlobalSetup]
    public void Setup() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });

    [Benchmark]
    public int WriteSql() => Write(new SqlRequest(Sql, 101, terse: true));

    [Benchmark]
    public int WritePrepareSqlExecute() => Write(new PrepareSqlExecuteRequest(Sql, _parameters, 101, terse: true));

    [Benchmark]
    public int WriteSqlMore() => Write(new SqlMoreRequest(12345, 1000));

    private int Write<T>(T request) where T : struct, IMapepireRequest
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        request.Write(_writer, ++_id);
        _writer.Flush();
        return _buffer.WrittenCount;
    }
}
