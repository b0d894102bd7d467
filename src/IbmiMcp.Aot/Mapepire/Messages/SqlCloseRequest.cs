using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary><c>sqlclose</c> (spec §3.7): closes an unfinished cursor and forgets its handle.</summary>
internal readonly struct SqlCloseRequest(long continuationId) : IMapepireRequest
{
    public void Write(Utf8JsonWriter writer, long id)
    {
        RequestWriter.WriteHeader(writer, id, "sqlclose"u8);
        RequestWriter.WriteId(writer, "cont_id"u8, continuationId);
        writer.WriteEndObject();
    }
}
