using System.Text.Json;

namespace IbmiMcp.Mapepire.Messages;

/// <summary>
/// <c>prepare_sql_execute</c> (spec §3.4): prepare, bind positionally and execute in one round trip. Every client
/// uses this for markers; the prepare_sql + execute path cannot page (spec §3.5).
/// </summary>
internal readonly struct PrepareSqlExecuteRequest(string sql, IReadOnlyList<SqlValue> parameters, int rows, bool terse) : IMapepireRequest
{
    public void Write(Utf8JsonWriter writer, long id)
    {
        RequestWriter.WriteHeader(writer, id, "prepare_sql_execute"u8);
        writer.WriteString("sql"u8, sql);
        // Always present: a missing array is a server NullPointerException (spec §3.4).
        writer.WriteStartArray("parameters"u8);
        for (var i = 0; i < parameters.Count; i++) parameters[i].WriteTo(writer);
        writer.WriteEndArray();
        writer.WriteNumber("rows"u8, rows);
        writer.WriteBoolean("terse"u8, terse);
        writer.WriteEndObject();
    }
}
