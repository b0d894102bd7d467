using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary>
/// One request type of the Mapepire wire protocol (spec §3). Implemented by readonly structs so a generic send
/// path writes them without boxing.
/// </summary>
internal interface IMapepireRequest
{
    /// <summary>Writes the whole JSON object. <paramref name="id"/> goes out as a string (spec §2.1: always string ids).</summary>
    void Write(Utf8JsonWriter writer, long id);
}
