using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary><c>ping</c> (spec §3.10): a JSON health check of the socket and its JDBC connection (not a keepalive).</summary>
internal readonly struct PingRequest : IMapepireRequest
{
    public void Write(Utf8JsonWriter writer, long id)
    {
        RequestWriter.WriteHeader(writer, id, "ping"u8);
        writer.WriteEndObject();
    }
}
