using System.Text.Json;

namespace IbmiMcp.Mapepire;

/// <summary>
/// Rows of one statement. Each row is a JSON array (terse mode) whose cells follow <see cref="Columns"/>;
/// the JsonElements point into pooled JsonDocuments owned by this object, so dispose it when done.
/// </summary>
public sealed class SqlResult : IDisposable
{
    private readonly IDisposable[] _owned;

    public SqlResult(IReadOnlyList<SqlColumn> columns, IReadOnlyList<JsonElement> rows, bool hasResults, long updateCount,
        bool truncated, string? job, TimeSpan elapsed, IDisposable[]? owned = null)
    {
        Columns = columns; Rows = rows; HasResults = hasResults; UpdateCount = updateCount;
        Truncated = truncated; Job = job; Elapsed = elapsed; _owned = owned ?? [];
    }

    public IReadOnlyList<SqlColumn> Columns { get; }
    /// <summary>One JSON array per row; cell i belongs to Columns[i].</summary>
    public IReadOnlyList<JsonElement> Rows { get; }
    public bool HasResults { get; }
    /// <summary>-1 for queries, affected rows for DML.</summary>
    public long UpdateCount { get; }
    /// <summary>True when the statement had more rows than were returned (row cap or single block).</summary>
    public bool Truncated { get; }
    /// <summary>IBM i job that ran the statement, e.g. 123456/QUSER/QZDASOINIT.</summary>
    public string? Job { get; }
    public TimeSpan Elapsed { get; }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
