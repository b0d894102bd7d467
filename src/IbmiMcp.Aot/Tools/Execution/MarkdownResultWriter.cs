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
            headers[i] = Clip($"{ToolResultFormatter.ColumnKey(result.Columns[i])} ({result.Columns[i].Type})");
        var cells = new string[page.Count][];
        for (int r = 0; r < page.Count; r++)
        {
            var row = cells[r] = new string[headers.Length];
            int j = 0;
            foreach (var cell in result.Rows[page.Offset + r].EnumerateArray())
            {
                if (j >= row.Length) break;
                row[j++] = Clip(CellText(cell));
            }
            for (; j < row.Length; j++) row[j] = "-";
        }
        WriteTable(sb, format, headers, cells);
        sb.Append('\n');
    }

    private static string CellText(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "-",
        JsonValueKind.String => cell.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => cell.GetRawText(),
    };

    private static string Clip(string text)
    {
        if (text.AsSpan().IndexOfAny('\n', '\r') >= 0) text = text.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ');
        text = text.TrimEnd();
        return text.Length <= MaxCellWidth ? text : string.Concat(text.AsSpan(0, MaxCellWidth - 3), "...");
    }

    private static void WriteTable(StringBuilder sb, TableFormat format, string[] headers, string[][] rows)
    {
        if (format == TableFormat.Markdown)
        {
            for (int i = 0; i < headers.Length; i++) headers[i] = headers[i].Replace("|", "\\|");
            foreach (var row in rows) for (int i = 0; i < row.Length; i++) row[i] = row[i].Replace("|", "\\|");
        }
        var widths = new int[headers.Length];
        for (int i = 0; i < headers.Length; i++) widths[i] = Math.Max(headers[i].Length, format == TableFormat.Markdown ? 3 : 1);
        foreach (var row in rows) for (int i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);

        switch (format)
        {
            case TableFormat.Markdown:
                Line(sb, headers, widths, "| ", " | ", " |");
                sb.Append('|');
                foreach (var w in widths) sb.Append(' ').Append('-', w).Append(" |");
                sb.Append('\n');
                foreach (var row in rows) Line(sb, row, widths, "| ", " | ", " |");
                break;
            case TableFormat.Ascii:
                Rule(sb, widths, '+', '+', '+', '-');
                Line(sb, headers, widths, "| ", " | ", " |");
                Rule(sb, widths, '+', '+', '+', '-');
                foreach (var row in rows) Line(sb, row, widths, "| ", " | ", " |");
                Rule(sb, widths, '+', '+', '+', '-');
                break;
            case TableFormat.Grid:
                Rule(sb, widths, '┌', '┬', '┐', '─');
                Line(sb, headers, widths, "│ ", " │ ", " │");
                Rule(sb, widths, '├', '┼', '┤', '─');
                foreach (var row in rows) Line(sb, row, widths, "│ ", " │ ", " │");
                Rule(sb, widths, '└', '┴', '┘', '─');
                break;
            default:
                Line(sb, headers, widths, "", "  ", "");
                for (int i = 0; i < widths.Length; i++) { if (i > 0) sb.Append("  "); sb.Append('-', widths[i]); }
                sb.Append('\n');
                foreach (var row in rows) Line(sb, row, widths, "", "  ", "");
                break;
        }
    }

    private static void Line(StringBuilder sb, string[] cells, int[] widths, string open, string separator, string close)
    {
        sb.Append(open);
        for (int i = 0; i < widths.Length; i++)
        {
            if (i > 0) sb.Append(separator);
            sb.Append(cells[i]);
            if (i < widths.Length - 1 || close.Length > 0) sb.Append(' ', widths[i] - cells[i].Length);
        }
        sb.Append(close).Append('\n');
    }

    private static void Rule(StringBuilder sb, int[] widths, char left, char middle, char right, char fill)
    {
        sb.Append(left);
        for (int i = 0; i < widths.Length; i++)
        {
            if (i > 0) sb.Append(middle);
            sb.Append(fill, widths[i] + 2);
        }
        sb.Append(right).Append('\n');
    }
}
