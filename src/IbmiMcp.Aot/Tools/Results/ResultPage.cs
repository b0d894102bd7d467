using System.Runtime.InteropServices;
using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>Why a page ended before the rows did.</summary>
internal enum ResultCut : byte { None, Rows, Bytes }

/// <summary>
/// The rows of a fetched result that one answer shows: <see cref="Count"/> rows starting at <see cref="Offset"/>,
/// cut to a <see cref="ResultBudget"/>. <see cref="More"/>: rows follow that a later page (<c>resultOffset</c>) can
/// read. <see cref="Beyond"/>: the statement has rows past the most the tool returns at all (rowsToFetch, the default
/// block, the pool cap), which no page reaches — only a narrower query does.
/// </summary>
internal readonly record struct ResultPage(int Offset, int Count, bool More, bool Beyond, ResultCut Cut, int Bytes, int MaxRows = 0)
{
    public int NextOffset => Offset + Count;

    /// <summary>True when anything was left out: the reference's <c>truncated</c> / <c>hasMore</c>.</summary>
    public bool Truncated => More || Beyond;

    /// <summary>
    /// The page of <paramref name="result"/> (whose first row is row 0 of the statement) starting at
    /// <paramref name="offset"/>; <paramref name="limit"/> is the most rows the tool returns at all. At least one row is
    /// shown when one exists, so paging always moves on.
    /// </summary>
    public static ResultPage Of(SqlResult result, int offset, ResultBudget budget, int limit = int.MaxValue, int maxRows = int.MaxValue)
    {
        var rows = result.Rows;
        var start = Math.Min(offset, rows.Count);
        var cap = Math.Min(budget.MaxRows, maxRows);
        var bytes = 0;
        var count = 0;
        var cut = ResultCut.None;
        for (var i = start; i < rows.Count; i++)
        {
            if (count == cap)
            {
                cut = ResultCut.Rows;
                break;
            }
            var size = RowBytes(rows[i], result.Columns);
            if (count > 0 && bytes + size > budget.MaxBytes)
            {
                cut = ResultCut.Bytes;
                break;
            }
            bytes += size;
            count++;
        }
        var after = start + count < rows.Count;
        var unfetched = result.Truncated && rows.Count < limit;
        var beyond = result.Truncated && rows.Count >= limit && !after;
        return new ResultPage(offset, count, after || unfetched, beyond, cut == ResultCut.None && unfetched ? ResultCut.Rows : cut, bytes, cap);
    }

    /// <summary>Size of the row as a compact JSON object: {"NAME":value,…} from the raw cells, without serializing.</summary>
    public static int RowBytes(JsonElement row, IReadOnlyList<SqlColumn> columns)
    {
        var size = 2;
        if (row.ValueKind != JsonValueKind.Array)
            return size;
        var i = 0;
        foreach (var cell in row.EnumerateArray())
        {
            var name = i < columns.Count ? ToolResultFormatter.ColumnKey(columns[i]) : "";
            size += name.Length + 4 + JsonMarshal.GetRawUtf8Value(cell).Length;
            i++;
        }
        return size;
    }

    /// <summary>
    /// The sentence a model reads when the page is not the whole result: which rows it got, that more exist, and exactly
    /// what to pass to get the next ones. Null when the page is the whole result.
    /// </summary>
    /// <param name="limit">Says what bounds the tool's rows, for <see cref="Beyond"/> ("at most 100 rows (rowsToFetch)").</param>
    /// <param name="shift">Added to row numbers when the fetched rows start later in the statement (a tool whose SQL
    /// already skipped <paramref name="shift"/> rows with its own offset argument).</param>
    public string? Describe(string tool, ResultBudget budget, string? limit = null, string offsetArgument = ResultBudget.OffsetArgument, int shift = 0)
    {
        var first = Offset + shift;
        if (Count == 0 && first > 0)
            return $"No rows at {offsetArgument} {first}: the result has fewer rows. Call {tool} without {offsetArgument} to start again.";
        if (More)
        {
            var rows = MaxRows > 0 ? MaxRows : budget.MaxRows;
            var holds = $"at most {rows} {(rows == 1 ? "row" : "rows")} / {ResultBudget.FormatBytes(budget.MaxBytes)}";
            var why = Cut == ResultCut.Bytes
                ? $" (an answer holds {holds}; these rows are {ResultBudget.FormatBytes(Bytes)})"
                : $" (an answer holds {holds})";
            return $"Showing rows {first + 1}-{first + Count}{why}; more rows exist. To read the next page, call {tool} again with the same arguments and \"{offsetArgument}\": {first + Count}.";
        }
        if (Beyond)
            return $"Showing rows {first + 1}-{first + Count}; the statement has more rows than {tool} returns{(limit is null ? "" : " (" + limit + ")")}. Narrow the request to see others.";
        return null;
    }
}
