using System.Buffers.Text;
using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary>Fields every request shares.</summary>
internal static class RequestWriter
{
    public static void WriteHeader(Utf8JsonWriter writer, long id, ReadOnlySpan<byte> type)
    {
        writer.WriteStartObject();
        WriteId(writer, "id"u8, id);
        writer.WriteString("type"u8, type);
    }

    /// <summary>Ids are decimal digits sent as JSON strings, so replies can be matched without allocating.</summary>
    public static void WriteId(Utf8JsonWriter writer, ReadOnlySpan<byte> name, long id)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(id, digits, out var written);
        writer.WriteString(name, digits[..written]);
    }
}
