using System.Text;
using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>
/// The compact text format (responseFormat / MCP_RESULT_FORMAT <c>csv</c>): RFC 4180 CSV with the column names once in
/// a header line, one line per row, NULL as an empty field, CHAR padding trimmed, then a line saying whether the result
/// was cut and how to read on. Costs a model far fewer tokens per row than JSON objects that repeat every column name
/// (bench/RESULTS.md, "Tokens per row").
/// </summary>
internal static class CsvResultWriter
{
    public static string Render(SqlResult result, ResultPage page, string? note)
    {
        var columns = result.Columns;
        var sb = new StringBuilder(64 + page.Bytes);
        for (var i = 0; i < columns.Count; i++)
        {
            if (i > 0) sb.Append(',');
            Field(sb, ToolResultFormatter.ColumnKey(columns[i]));
        }
        sb.Append('\n');
        for (var r = page.Offset; r < page.NextOffset; r++)
        {
            var i = 0;
            foreach (var cell in result.Rows[r].EnumerateArray())
            {
                if (i++ > 0) sb.Append(',');
                switch (cell.ValueKind)
                {
                    case JsonValueKind.String: Field(sb, cell.GetString()!.TrimEnd()); break;
                    case JsonValueKind.Null or JsonValueKind.Undefined: break;
                    case JsonValueKind.True: sb.Append("true"); break;
                    case JsonValueKind.False: sb.Append("false"); break;
                    case JsonValueKind.Number: sb.Append(cell.GetRawText()); break;
                    default: Field(sb, cell.GetRawText()); break;
                }
            }
            sb.Append('\n');
        }
        if (columns.Count == 0)
            sb.Clear().Append(result.UpdateCount >= 0 ? $"{result.UpdateCount} row(s) affected.\n" : "No rows returned.\n");
        if (note is not null)
            sb.Append('\n').Append(note).Append('\n');
        return sb.ToString();
    }

    /// <summary>One RFC 4180 field: quoted only when it holds a comma, a quote, a line break or edge blanks.</summary>
    internal static void Field(StringBuilder sb, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0 && (value.Length == 0 || (value[0] != ' ' && value[^1] != ' ')))
        {
            sb.Append(value);
            return;
        }
        sb.Append('"').Append(value.Replace("\"", "\"\"")).Append('"');
    }
}
