using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary><c>sql</c> (spec §3.2): runs a statement without markers; its id becomes the cursor handle.</summary>
internal readonly struct SqlRequest(string sql, int rows, bool terse) : IMapepireRequest
{
    public void Write(Utf8JsonWriter writer, long id)
    {
        RequestWriter.WriteHeader(writer, id, "sql"u8);
        writer.WriteString("sql"u8, sql);
        writer.WriteNumber("rows"u8, rows);
        writer.WriteBoolean("terse"u8, terse);
        writer.WriteEndObject();
    }
}
