using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary><c>sqlmore</c> (spec §3.6): next block of an open cursor. <c>terse</c> is inherited from the opener.</summary>
internal readonly struct SqlMoreRequest(long continuationId, int rows) : IMapepireRequest
{
    public void Write(Utf8JsonWriter writer, long id)
    {
        RequestWriter.WriteHeader(writer, id, "sqlmore"u8);
        // Always sent: a missing cont_id is a server NPE that may cost the socket (spec §3.6).
        RequestWriter.WriteId(writer, "cont_id"u8, continuationId);
        writer.WriteNumber("rows"u8, rows);
        writer.WriteEndObject();
    }
}
