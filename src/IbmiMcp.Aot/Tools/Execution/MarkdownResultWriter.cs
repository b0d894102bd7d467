using System.Globalization;
using System.Text;
using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>
/// The markdown response format (spec §5.9): "## tool", the note when the answer is not the whole result (which rows,
/// and how to read on), the SQL in a code block, the parameters, the table (types in the headers, NULL as `-`, cells
/// cut at 50 characters) in the tool's tableFormat (markdown, ascii, grid or compact), and a summary. The table alone
/// (<see cref="AppendTable"/>) also serves execute_sql under MCP_RESULT_FORMAT=markdown.
/// </summary>
internal static class MarkdownResultWriter
{
    public const int MaxCellWidth = 50;

    public static string Render(ToolCall call, SqlResult result, ResultPage page, string? note, double executionMs)
    {
        var tool = call.Tool;
        var sb = new StringBuilder(1024 + page.Count * 64);
        sb.Append("## ").Append(tool.Name).Append("\n\n");
        if (note is not null)
            sb.Append("> ⚠️ ").Append(note).Append("\n\n");
        sb.Append("```sql\n").Append(call.Command.Sql.Trim()).Append("\n```\n\n");

        bool anyParam = false;
        for (int i = 0; i < call.Values.Length; i++)
        {
            if (!call.Values[i].IsPresent) continue;
            if (!anyParam) { sb.Append("**Parameters:**\n"); anyParam = true; }
            sb.Append("- `").Append(tool.Parameters[i].Name).Append("`: ").Append(call.Values[i].Display()).Append('\n');
        }
        if (anyParam) sb.Append('\n');

        AppendTable(sb, tool.TableFormat, result, page);

        sb.Append("**Summary:** ").Append(page.Count).Append(page.Count == 1 ? " row" : " rows");
        if (page.Truncated) sb.Append(" (more available)");
        sb.Append(", ").Append(result.Columns.Count).Append(result.Columns.Count == 1 ? " column" : " columns")
          .Append(", ").Append(executionMs.ToString("0.##", CultureInfo.InvariantCulture)).Append(" ms\n");
        return sb.ToString();
    }

    /// <summary>The page's rows as a table, or "No rows returned." / "N row(s) affected.".</summary>
    public static void AppendTable(StringBuilder sb, TableFormat format, SqlResult result, ResultPage page)
    {
        if (page.Count == 0 || result.Columns.Count == 0)
        {
            sb.Append(result.UpdateCount > 0 ? $"{result.UpdateCount} row(s) affected.\n\n" : "No rows returned.\n\n");
            return;
        }
        var headers = new string[result.Columns.Count];
        for (int i = 0; i < headers.Length; i++)
            headers[i] = TextTable.Clip($"{ToolResultFormatter.ColumnKey(result.Columns[i])} ({result.Columns[i].Type})", MaxCellWidth);
        var cells = new string[page.Count][];
        for (int r = 0; r < page.Count; r++)
        {
            var row = cells[r] = new string[headers.Length];
            int j = 0;
            foreach (var cell in result.Rows[page.Offset + r].EnumerateArray())
            {
                if (j >= row.Length) break;
                row[j++] = TextTable.Clip(TextTable.CellText(cell, "-"), MaxCellWidth);
            }
            for (; j < row.Length; j++) row[j] = "-";
        }
        TextTable.Write(sb, format, headers, cells);
        sb.Append('\n');
    }
}
