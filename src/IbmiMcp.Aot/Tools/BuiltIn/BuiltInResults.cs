using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>
/// Result shapes of the built-in tools. Success: <c>{"success":true,"data":[{column:value}],"rowCount":n,…}</c> as
/// structuredContent plus the same JSON as text (for clients that ignore structured content). Failure:
/// <c>isError</c> with "Error executing '&lt;tool&gt;': &lt;message&gt;" and
/// <c>{"success":false,"error":{"code","message","sqlState","sqlCode"}}</c>, the SQL state included so a model can react.
/// </summary>
internal static class BuiltInResults
{
    /// <param name="text">Text content instead of the JSON (e.g. DDL, which reads better unescaped).</param>
    public static CallToolResult Success(Action<Utf8JsonWriter> body, string? text = null)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("success"u8, true);
            body(w);
            w.WriteEndObject();
        }
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text ?? Encoding.UTF8.GetString(buffer.WrittenSpan) }],
            StructuredContent = JsonElement.Parse(buffer.WrittenSpan),
        };
    }

    /// <summary>
    /// Writes the page's rows as <c>"data":[…]</c>, <c>"rowCount"</c>, and when rows were left out <c>"nextOffset"</c> (if a
    /// later page can read them) and the <c>"message"</c> a model reads to go on.
    /// </summary>
    public static void WritePage(Utf8JsonWriter w, SqlResult result, ResultPage page, string? note, int shift = 0)
    {
        w.WriteStartArray("data"u8);
        for (var i = page.Offset; i < page.NextOffset; i++)
            WriteRow(w, result, result.Rows[i]);
        w.WriteEndArray();
        w.WriteNumber("rowCount"u8, page.Count);
        if (page.More)
            w.WriteNumber("nextOffset"u8, page.NextOffset + shift);
        if (note is not null)
            w.WriteString("message"u8, note);
    }

    /// <summary>Writes <c>"data":[…]</c> with at most <paramref name="maxRows"/> rows and <c>"rowCount"</c>.</summary>
    public static void WriteRows(Utf8JsonWriter w, SqlResult result, int maxRows = int.MaxValue)
    {
        var count = Math.Min(result.Rows.Count, maxRows);
        w.WriteStartArray("data"u8);
        for (var i = 0; i < count; i++)
            WriteRow(w, result, result.Rows[i]);
        w.WriteEndArray();
        w.WriteNumber("rowCount"u8, count);
    }

    public static void WriteRow(Utf8JsonWriter w, SqlResult result, JsonElement row)
    {
        w.WriteStartObject();
        var columns = result.Columns;
        var cells = row.GetArrayLength();
        for (var c = 0; c < columns.Count && c < cells; c++)
        {
            var cell = row[c];
            w.WritePropertyName(columns[c].Name);
            if (cell.ValueKind == JsonValueKind.String)
                w.WriteStringValue(cell.GetString()!.TrimEnd());   // CHAR columns arrive blank-padded
            else
                cell.WriteTo(w);
        }
        w.WriteEndObject();
    }

    public static void WriteColumns(Utf8JsonWriter w, SqlResult result)
    {
        w.WriteStartArray("columns"u8);
        foreach (var column in result.Columns)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, column.Name);
            w.WriteString("type"u8, column.Type);
            if (!string.IsNullOrEmpty(column.Label) && column.Label != column.Name)
                w.WriteString("label"u8, column.Label);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void WriteElapsed(Utf8JsonWriter w, TimeSpan elapsed)
        => w.WriteNumber("executionTime"u8, Math.Round(elapsed.TotalMilliseconds, 2));

    public static CallToolResult Error(string tool, string message, string code, string? sqlState = null, int sqlCode = 0)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("success"u8, false);
            w.WriteStartArray("data"u8);
            w.WriteEndArray();
            w.WriteStartObject("error"u8);
            w.WriteString("code"u8, code);
            w.WriteString("message"u8, message);
            if (sqlState is not null)
                w.WriteString("sqlState"u8, sqlState);
            if (sqlCode != 0)
                w.WriteNumber("sqlCode"u8, sqlCode);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        var text = sqlState is null
            ? $"Error executing '{tool}': {message}"
            : $"Error executing '{tool}': {message} (SQLSTATE {sqlState}, SQLCODE {sqlCode.ToString(CultureInfo.InvariantCulture)})";
        return new CallToolResult
        {
            IsError = true,
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = JsonElement.Parse(buffer.WrittenSpan),
        };
    }
}
