using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary><c>getversion</c> (spec §3.12): server version and build date.</summary>
internal readonly struct GetVersionRequest : IMapepireRequest
{
    public void Write(Utf8JsonWriter writer, long id)
    {
        RequestWriter.WriteHeader(writer, id, "getversion"u8);
        writer.WriteEndObject();
    }
}
