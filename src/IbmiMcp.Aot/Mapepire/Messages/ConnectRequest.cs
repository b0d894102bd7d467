using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary>
/// <c>connect</c> (spec §3.1): opens the IBM i job behind the socket. Credentials travel only in the Basic header
/// of the upgrade; <c>props</c> carries JTOpen JDBC properties.
/// </summary>
internal readonly struct ConnectRequest(string application, string props) : IMapepireRequest
{
    public void Write(Utf8JsonWriter writer, long id)
    {
        RequestWriter.WriteHeader(writer, id, "connect"u8);
        writer.WriteString("technique"u8, "tcp"u8);
        writer.WriteString("application"u8, application);
        if (props.Length > 0) writer.WriteString("props"u8, props);
        writer.WriteEndObject();
    }
}
