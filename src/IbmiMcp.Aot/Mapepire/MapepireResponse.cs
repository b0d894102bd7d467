using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace IbmiMcp.Mapepire;

/// <summary>
/// One reply frame, parsed into a <see cref="JsonDocument"/> that points straight into the pooled receive buffer.
/// Disposing returns both the document's metadata and the buffer to their pools, so anything holding a
/// <see cref="JsonElement"/> from <see cref="Root"/> must keep this alive (SqlResult does).
/// </summary>
internal sealed class MapepireResponse : IDisposable
{
    private JsonDocument? _document;
    private byte[]? _buffer;

    private MapepireResponse(JsonDocument document, byte[]? buffer, long id)
    {
        _document = document; _buffer = buffer; Id = id;
        Root = document.RootElement;
    }

    /// <summary>The numeric id this client sent, or -1 when the reply carries an id this client never uses.</summary>
    public long Id { get; }
    public JsonElement Root { get; }

    public bool Success => Root.TryGetProperty("success"u8, out var s) && s.ValueKind == JsonValueKind.True;

    /// <summary>
    /// Parses <paramref name="length"/> bytes of <paramref name="buffer"/> and takes ownership of the buffer
    /// (an ArrayPool array, or null for caller-owned memory in tests and benchmarks). Trailing whitespace is
    /// valid JSON, which covers the "\n\n" servers append (spec §1.4).
    /// </summary>
    public static MapepireResponse Parse(byte[] buffer, int length, bool pooled)
    {
        JsonDocument document;
        // JsonDocument checks structure, not the UTF-8 inside strings (reading one later would throw
        // InvalidOperationException anywhere): a reply that is not UTF-8 is refused here, as a protocol error.
        try { document = System.Text.Unicode.Utf8.IsValid(buffer.AsSpan(0, length)) ? JsonDocument.Parse(buffer.AsMemory(0, length)) : throw new JsonException("A Mapepire reply must be UTF-8."); }
        catch
        {
            if (pooled) ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        try
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new JsonException("A Mapepire reply must be a JSON object.");
            return new MapepireResponse(document, pooled ? buffer : null, ReadId(document.RootElement));
        }
        catch
        {
            document.Dispose();
            if (pooled) ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static long ReadId(JsonElement root)
    {
        if (!root.TryGetProperty("id"u8, out var id)) return -1;
        // Raw bytes include the quotes of a string; our ids are plain digits, so no unescaping is needed.
        var raw = JsonMarshal.GetRawUtf8Value(id);
        if (id.ValueKind == JsonValueKind.String) raw = raw[1..^1];
        else if (id.ValueKind != JsonValueKind.Number) return -1;
        return Utf8Parser.TryParse(raw, out long value, out var consumed) && consumed == raw.Length && value > 0 ? value : -1;
    }

    /// <summary>True for the server's replies to frames it could not read at all (spec §3.16); their ids are not ours.</summary>
    public bool IsUnreadableRequestReply => Root.TryGetProperty("unparseable"u8, out _) || Root.TryGetProperty("incomplete"u8, out _);

    public string? ErrorText => Root.TryGetProperty("error"u8, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    /// <summary>
    /// The typed failure for a <c>success:false</c> reply. SQLExceptions carry sql_state/sql_rc (spec §2.2); SQLSTATE
    /// class 08 and "Not connected" mean the job's JDBC connection is gone, so the socket is useless.
    /// </summary>
    public MapepireException ToException()
    {
        var error = ErrorText ?? "The Mapepire server reported a failure without a message.";
        var hasSqlFields = false;
        string? state = null;
        var code = 0;
        if (Root.TryGetProperty("sql_state"u8, out var s))
        {
            hasSqlFields = true;
            if (s.ValueKind == JsonValueKind.String) state = s.GetString();
        }
        if (Root.TryGetProperty("sql_rc"u8, out var rc))
        {
            hasSqlFields = true;
            if (rc.ValueKind == JsonValueKind.Number && rc.TryGetInt32(out var v)) code = v;
        }
        MapepireFailure failure;
        if (error == "Not connected" || (state is not null && state.StartsWith("08", StringComparison.Ordinal)))
            failure = MapepireFailure.ConnectionLost;
        else if (!hasSqlFields && IsProtocolError(error))
            failure = MapepireFailure.Protocol;
        else
            failure = MapepireFailure.Sql;
        return new MapepireException(failure, error, state, code);
    }

    private static bool IsProtocolError(string error) =>
        error.StartsWith("Unknown request type", StringComparison.Ordinal)
        || error.StartsWith("Bad request", StringComparison.Ordinal)
        || error.StartsWith("Non-parseable request", StringComparison.Ordinal)
        || error.StartsWith("Request is missing required fields", StringComparison.Ordinal);

    public void Dispose()
    {
        Interlocked.Exchange(ref _document, null)?.Dispose();
        if (Interlocked.Exchange(ref _buffer, null) is { } b) ArrayPool<byte>.Shared.Return(b);
    }
}
