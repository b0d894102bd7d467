using System.Text;
using System.Text.Json;

namespace IbmiMcp.Tools;

/// <summary>
/// Text tables, shared by the markdown result format and the command line: cell text, clipping, and the four layouts
/// (markdown, ascii, grid, compact). <see cref="FitWidth"/> shrinks the widest columns until a table fits a terminal.
/// </summary>
internal static class TextTable
{
    /// <summary>A cell as text: strings as they are, numbers and booleans as JSON writes them, NULL as <paramref name="nullText"/>.</summary>
    public static string CellText(JsonElement cell, string nullText) => cell.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => nullText,
        JsonValueKind.String => cell.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => cell.GetRawText(),
    };

    /// <summary>One line (line breaks become spaces), trailing blanks trimmed, at most <paramref name="max"/> characters ("..." marks a cut).</summary>
    public static string Clip(string text, int max)
    {
        if (text.AsSpan().IndexOfAny('\n', '\r') >= 0) text = text.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ');
        text = text.TrimEnd();
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(1, max - 3)), "...");
    }

    /// <summary>
    /// Headers and rows in <paramref name="format"/>; columns flagged in <paramref name="rightAlign"/> (numbers) are
    /// padded on the left.
    /// </summary>
    public static void Write(StringBuilder sb, TableFormat format, string[] headers, string[][] rows, bool[]? rightAlign = null)
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
                Line(sb, headers, widths, "| ", " | ", " |", null);
                sb.Append('|');
                foreach (var w in widths) sb.Append(' ').Append('-', w).Append(" |");
                sb.Append('\n');
                foreach (var row in rows) Line(sb, row, widths, "| ", " | ", " |", rightAlign);
                break;
            case TableFormat.Ascii:
                Framed(sb, headers, rows, widths, rightAlign, "+++++++++", '-', '|');
                break;
            case TableFormat.Grid:
                Framed(sb, headers, rows, widths, rightAlign, "┌┬┐" + "├┼┤" + "└┴┘", '─', '│');
                break;
            default:
                Line(sb, headers, widths, "", "  ", "", null);
                for (int i = 0; i < widths.Length; i++) { if (i > 0) sb.Append("  "); sb.Append('-', widths[i]); }
                sb.Append('\n');
                foreach (var row in rows) Line(sb, row, widths, "", "  ", "", rightAlign);
                break;
        }
    }

    /// <summary>A boxed table; <paramref name="corners"/> is the top, middle and bottom rule's left, cross and right characters.</summary>
    private static void Framed(StringBuilder sb, string[] headers, string[][] rows, int[] widths, bool[]? rightAlign, string corners, char fill, char bar)
    {
        string open = bar + " ", separator = " " + bar + " ", close = " " + bar;
        Rule(sb, widths, corners[0], corners[1], corners[2], fill);
        Line(sb, headers, widths, open, separator, close, null);
        Rule(sb, widths, corners[3], corners[4], corners[5], fill);
        foreach (var row in rows) Line(sb, row, widths, open, separator, close, rightAlign);
        Rule(sb, widths, corners[6], corners[7], corners[8], fill);
    }

    private static void Line(StringBuilder sb, string[] cells, int[] widths, string open, string separator, string close, bool[]? rightAlign)
    {
        sb.Append(open);
        for (int i = 0; i < widths.Length; i++)
        {
            if (i > 0) sb.Append(separator);
            var pad = widths[i] - cells[i].Length;
            if (rightAlign is not null && i < rightAlign.Length && rightAlign[i])
            {
                sb.Append(' ', pad).Append(cells[i]);
                continue;
            }
            sb.Append(cells[i]);
            if (i < widths.Length - 1 || close.Length > 0) sb.Append(' ', pad);
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

    /// <summary>
    /// The widest cell width (at least <paramref name="floor"/>) at which the table fits in <paramref name="maxWidth"/>
    /// characters; <paramref name="ceiling"/> when it fits already.
    /// </summary>
    public static int FitWidth(TableFormat format, string[] headers, string[][] rows, int maxWidth, int ceiling, int floor = 8)
    {
        var border = format switch { TableFormat.Compact => 2, _ => 3 };
        for (var limit = ceiling; limit > floor; limit--)
        {
            var total = format == TableFormat.Compact ? 0 : 1;
            for (var c = 0; c < headers.Length; c++)
            {
                var width = Math.Min(limit, headers[c].Length);
                foreach (var row in rows) width = Math.Max(width, Math.Min(limit, c < row.Length ? row[c].Length : 0));
                total += width + border;
            }
            if (total <= maxWidth) return limit;
        }
        return floor;
    }
}
